import { DELETE_BATCH, deleteInBatches } from "./batched-delete.js";
import type { Sql } from "./database.js";

export interface PrunedCounts {
  readonly outbox: number;
  readonly processedEvents: number;
  readonly finishedJobs: number;
}

/**
 * Deletes what the event backbone no longer needs after `retentionMs`: published outbox rows, consumers'
 * processed-event ids and finished jobs. Unpublished events, dead jobs and dead letters are kept. The
 * processed ids must outlive any redelivery, which is why the JetStream stream keeps events no longer than
 * this same retention.
 */
export async function pruneExpiredEvents(sql: Sql, retentionMs: number): Promise<PrunedCounts> {
  const cutoff = new Date(Date.now() - retentionMs);
  return {
    outbox: await deleteInBatches(
      () => sql`
        delete from outbox where seq in (
          select seq from outbox where published_at < ${cutoff} order by seq limit ${DELETE_BATCH})`,
    ),
    processedEvents: await deleteInBatches(
      () => sql`
        delete from processed_events where (consumer, event_id) in (
          select consumer, event_id from processed_events where processed_at < ${cutoff} limit ${DELETE_BATCH})`,
    ),
    finishedJobs: await deleteInBatches(
      () => sql`
        delete from scheduled_jobs where id in (
          select id from scheduled_jobs where state = 'done' and finish_time < ${cutoff} limit ${DELETE_BATCH})`,
    ),
  };
}
