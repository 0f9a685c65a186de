import type { EventEnvelope } from "../events/event-decoding.js";
import type { SqlExecutor } from "./database.js";

export interface DeadLetter extends EventEnvelope {
  readonly consumer: string;
  readonly attempts: number;
  readonly error: string;
  readonly deadAt: Date;
}

interface DeadLetterRow {
  consumer: string;
  event_id: string;
  event_type: string;
  aggregate_id: string;
  payload_type: string;
  payload: Uint8Array;
  occurred_at: Date;
  attempts: number;
  error: string;
  dead_at: Date;
}

/** Events consumers gave up on, kept in the database (both buses) where an admin can list them. */
export class PostgresDeadLetters {
  constructor(private readonly sql: SqlExecutor) {}

  async record(consumer: string, event: EventEnvelope, attempts: number, error: string): Promise<void> {
    await this.sql`
      insert into dead_letters
        (consumer, event_id, event_type, aggregate_id, payload_type, payload, occurred_at, attempts, error)
      values (${consumer}, ${event.id}, ${event.type}, ${event.aggregateId}, ${event.payloadType},
              ${event.payload}, ${event.occurredAt}, ${attempts}, ${error.slice(0, 4000)})
      on conflict (consumer, event_id)
      do update set attempts = excluded.attempts, error = excluded.error, dead_at = now()`;
  }

  /** Newest first. */
  async list(options: { consumer?: string; limit?: number } = {}): Promise<DeadLetter[]> {
    const limit = Math.min(Math.max(options.limit ?? 100, 1), 1000);
    const rows = await this.sql<DeadLetterRow[]>`
      select * from dead_letters
      ${options.consumer === undefined ? this.sql`` : this.sql`where consumer = ${options.consumer}`}
      order by id desc limit ${limit}`;
    return rows.map((r) => ({
      consumer: r.consumer,
      id: r.event_id,
      type: r.event_type,
      aggregateId: r.aggregate_id,
      payloadType: r.payload_type,
      payload: r.payload,
      occurredAt: r.occurred_at,
      attempts: r.attempts,
      error: r.error,
      deadAt: r.dead_at,
    }));
  }
}
