import type { JobScheduler } from "../shared/job-scheduler.js";
import type { StopHandle } from "../shared/stop-handle.js";
import { IDEMPOTENCY_KEY_TTL_MS } from "./place-order.js";
import type { OrderingDeps } from "./ports.js";

export const EXPIRE_IDEMPOTENCY_KEYS_JOB = "ordering.expire-idempotency-keys";

/**
 * Deletes PlaceOrder idempotency keys older than 24 hours, once per period across instances. Expired keys are
 * already ignored when claimed; this only keeps the table from growing.
 */
export function runIdempotencyKeyExpiry(
  deps: Pick<OrderingDeps, "uow" | "clock">,
  jobs: Pick<JobScheduler, "every">,
  periodMs = 3_600_000,
): StopHandle {
  return jobs.every(EXPIRE_IDEMPOTENCY_KEYS_JOB, periodMs, async () => {
    const before = new Date(deps.clock.now().getTime() - IDEMPOTENCY_KEY_TTL_MS);
    await deps.uow.run((tx) => tx.idempotencyKeys.pruneExpired(before));
  });
}
