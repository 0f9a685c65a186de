import type { Sql } from "./database.js";

export interface PrunedCounts {
  readonly outbox: number;
  readonly processedEvents: number;
  readonly finishedJobs: number;
}

/** Rows deleted per statement, so pruning a large backlog never holds long locks or one huge transaction. */
const BATCH = 5000;

/**
 * Deletes what the event backbone no longer needs after `retentionMs`: published outbox rows, consumers'
 * processed-event ids and finished jobs. Unpublished events, dead jobs and dead letters are kept. The
 * processed ids must outlive any redelivery, which is why the JetStream stream keeps events no longer than
 * this same retention.
 */
export async function pruneExpiredEvents(sql: Sql, retentionMs: number): Promise<PrunedCounts> {
  const cutoff = new Date(Date.now() - retentionMs);
  const drain = async (statement: () => Promise<{ count: number }>): Promise<number> => {
    let total = 0;
    for (;;) {
      const { count } = await statement();
      total += count;
      if (count < BATCH) return total;
    }
  };
  return {
    outbox: await drain(
      () => sql`
        delete from outbox where seq in (
          select seq from outbox where published_at < ${cutoff} order by seq limit ${BATCH})`,
    ),
    processedEvents: await drain(
      () => sql`
        delete from processed_events where (consumer, event_id) in (
          select consumer, event_id from processed_events where processed_at < ${cutoff} limit ${BATCH})`,
    ),
    finishedJobs: await drain(
      () => sql`
        delete from scheduled_jobs where id in (
          select id from scheduled_jobs where state = 'done' and finish_time < ${cutoff} limit ${BATCH})`,
    ),
  };
}
