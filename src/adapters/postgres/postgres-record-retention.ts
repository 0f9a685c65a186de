import { DELETE_BATCH, deleteInBatches } from "./batched-delete.js";
import type { Sql } from "./database.js";

export interface RecordRetention {
  /** How long a revoked refresh token is kept (for an admin looking into a replay) and a silent consumer lasts. */
  readonly retentionMs: number;
  /** The longest window of any throttle or budget: counters of older windows decide nothing any more. */
  readonly longestWindowMs: number;
}

export interface PrunedRecords {
  readonly refreshTokens: number;
  readonly loginCounters: number;
  readonly requestCounters: number;
  readonly consumers: number;
  readonly queuedDeliveries: number;
}

/** Deliveries of the in-process bus are jobs named this + the consumer's name (in-process-event-bus.ts). */
const DELIVERY_JOB_PREFIX = "event-delivery:";

/**
 * What the identity and abuse-resistance tables no longer need, deleted by the periodic retention job (next
 * to the event backbone's own pruning, postgres-event-retention.ts):
 * - refresh tokens past their expiry (useless to anyone), and revoked ones after `retentionMs`. A rotated but
 *   unexpired token is kept: presenting it again is how a stolen family is detected and revoked;
 * - login-throttle and request counters of windows that have ended;
 * - holds on JetStream deliveries older than the stream keeps events (consumer-order.ts);
 * - consumers of the in-process bus that no instance has run for `retentionMs` (removed from the code, or
 *   renamed), with the deliveries still queued for them, so the relay queues them nothing more.
 */
export async function pruneExpiredRecords(sql: Sql, retention: RecordRetention): Promise<PrunedRecords> {
  const cutoff = new Date(Date.now() - retention.retentionMs);
  const windowsBefore = new Date(Date.now() - retention.longestWindowMs);
  const refreshTokens = await deleteInBatches(
    () => sql`
      delete from refresh_tokens where id in (
        (select id from refresh_tokens where expires_at < now() limit ${DELETE_BATCH})
        union all
        (select id from refresh_tokens where revoked_at < ${cutoff} limit ${DELETE_BATCH}))`,
  );
  const loginCounters = await deleteInBatches(
    () => sql`
      delete from login_failures where (key, window_start) in (
        select key, window_start from login_failures where window_start < ${windowsBefore} limit ${DELETE_BATCH})`,
  );
  const requestCounters = await deleteInBatches(
    () => sql`
      delete from request_counts where (key, window_start) in (
        select key, window_start from request_counts where window_start < ${windowsBefore} limit ${DELETE_BATCH})`,
  );
  // A hold whose event left the stream (older than the retention) can never be released by a delivery.
  await sql`delete from consumer_holds where create_time < ${cutoff}`;
  const gone = await sql<{ name: string }[]>`
    delete from event_consumers where seen_time < ${cutoff} returning name`;
  let queuedDeliveries = 0;
  for (const { name } of gone) {
    queuedDeliveries += await deleteInBatches(
      () => sql`
        delete from scheduled_jobs where id in (
          select id from scheduled_jobs
          where name = ${DELIVERY_JOB_PREFIX + name} and state = 'pending' and claim_id is null
          limit ${DELETE_BATCH})`,
    );
  }
  return { refreshTokens, loginCounters, requestCounters, consumers: gone.length, queuedDeliveries };
}
