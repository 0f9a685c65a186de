import type { DomainEvent, EventOutbox } from "../../domain/shared/domain-event.js";
import { encodeEvent, type ShopfloorEvent } from "../events/event-encoding.js";
import type { SqlExecutor } from "./database.js";

/** Postgres NOTIFY channel that wakes outbox relays on other instances when events commit. */
export const OUTBOX_CHANNEL = "shopfloor_outbox";

/**
 * Writes events into the outbox table inside the caller's transaction. A UnitOfWork makes one per
 * transaction, so it notifies once however many events the transaction writes (a notify per event lengthened
 * the time PlaceOrder holds its product row locks).
 */
export class PostgresEventOutbox implements EventOutbox {
  private notified = false;

  constructor(
    private readonly sql: SqlExecutor,
    private readonly onAppend: () => void = () => {},
  ) {}

  async append(event: DomainEvent): Promise<void> {
    const { payloadType, payload } = encodeEvent(event as ShopfloorEvent);
    await this.sql`
      insert into outbox (id, type, aggregate_id, payload_type, payload, occurred_at)
      values (${event.id}, ${event.type}, ${event.aggregateId}, ${payloadType}, ${payload}, ${event.occurredAt})`;
    // Delivered by Postgres only if and when the transaction commits.
    if (!this.notified) await this.sql`select pg_notify(${OUTBOX_CHANNEL}, '')`;
    this.notified = true;
    this.onAppend();
  }
}
