import type { ProcessedEvents } from "../../domain/shared/processed-events.js";
import type { SqlExecutor } from "./database.js";

/** The processed_events table, written in the consumer's own transaction. */
export class PostgresProcessedEvents implements ProcessedEvents {
  constructor(private readonly sql: SqlExecutor) {}

  async markProcessed(consumer: string, eventId: string): Promise<boolean> {
    // A concurrent delivery of the same event waits on the primary key until this transaction ends, then
    // inserts nothing: the work is done once.
    const rows = await this.sql`
      insert into processed_events (consumer, event_id) values (${consumer}, ${eventId})
      on conflict do nothing
      returning 1`;
    return rows.length === 1;
  }
}
