import type { Job, JobScheduler, RetryPolicy, ScheduledJobs } from "../shared/job-scheduler.js";
import type { StopHandle } from "../shared/stop-handle.js";
import { abandon, afterAttempt, verdictOf, type WebhookDelivery } from "./webhook-delivery.js";
import { signingSecrets } from "./webhook-endpoint.js";
import { EndpointSlots } from "./webhook-endpoint-slots.js";
import type { WebhookDeps } from "./webhook-ports.js";

// Delivery attempts run as jobs of the backbone's scheduler, one job per scheduled attempt, keyed by the
// delivery and its attempt number: the job table holds the due time (so a restart or another instance picks
// it up), its lease hands an attempt whose instance died to another instance, and no timer of our own exists.
// The retry schedule is the delivery's own (afterAttempt), not the scheduler's: a job only fails when the
// outcome cannot be recorded, and the scheduler's retry then makes the attempt again (at least once).

export const WEBHOOK_ATTEMPT_JOB = "manufacturing.webhook-attempt";

/**
 * How long an attempt that found its endpoint's slots full waits before it looks again: 1 s, doubling per
 * time it found them full, up to 15 s (the default attempt timeout, after which a slot is free for sure), so
 * a backlog behind a hanging endpoint costs a few job rows per delivery and timeout, not one per second.
 */
const busyEndpointDelayMs = (busy: number): number => Math.min(15_000, 1000 * 2 ** busy);

/**
 * A job fails only when its outcome could not be recorded (the database is away): it is run again, sending
 * the message again (at least once), for as long as a day of tries at most a minute apart, never given up
 * silently while the delivery is PENDING.
 */
const RECORDING_RETRY: RetryPolicy = {
  maxAttempts: 1500,
  delayMs: (attempt) => Math.min(60_000, 1000 * 2 ** (attempt - 1)),
};

interface AttemptPayload {
  readonly deliveryId: string;
  readonly seq: number;
  /** Times in a row this attempt found its endpoint's slots full. */
  readonly busy?: number | undefined;
}

/** Whether the job carrying `seq` is the delivery's scheduled attempt (not one a redelivery superseded). */
const isLive = (delivery: WebhookDelivery | undefined, seq: number): delivery is WebhookDelivery =>
  delivery !== undefined && delivery.status === "PENDING" && delivery.attemptSeq === seq;

/** Schedules the delivery's next attempt (its attemptSeq) at its nextAttemptTime, in the caller's transaction. */
export async function scheduleAttempt(
  tx: { readonly jobs: ScheduledJobs },
  delivery: WebhookDelivery,
  busy = 0,
): Promise<void> {
  await tx.jobs.schedule({
    name: WEBHOOK_ATTEMPT_JOB,
    key: `${delivery.id}:${delivery.attemptSeq}`,
    runAt: delivery.nextAttemptTime ?? delivery.createTime,
    payload: { deliveryId: delivery.id, seq: delivery.attemptSeq, busy },
  });
}

/** Makes the attempts due on this instance, at most `concurrency` at once and `perEndpointConcurrency` per endpoint. */
export function runWebhookAttempts(
  deps: WebhookDeps,
  jobs: Pick<JobScheduler, "handle">,
  concurrency: number,
): StopHandle {
  const slots = new EndpointSlots(deps.perEndpointConcurrency);
  return jobs.handle(WEBHOOK_ATTEMPT_JOB, (job) => attemptDelivery(deps, slots, payloadOf(job)), {
    concurrency,
    retry: RECORDING_RETRY,
  });
}

function payloadOf(job: Job): AttemptPayload {
  const p = job.payload as { deliveryId?: unknown; seq?: unknown; busy?: unknown } | null;
  if (typeof p?.deliveryId !== "string" || typeof p.seq !== "number") {
    throw new Error(`webhook attempt job ${job.key} has no delivery`);
  }
  return { deliveryId: p.deliveryId, seq: p.seq, busy: typeof p.busy === "number" ? p.busy : 0 };
}

/** One attempt of one delivery: send it, then record what happened and schedule what comes next. */
export async function attemptDelivery(
  deps: WebhookDeps,
  slots: EndpointSlots,
  { deliveryId, seq, busy = 0 }: AttemptPayload,
): Promise<void> {
  const delivery = await deps.deliveries.findById(deliveryId);
  // Gone with its endpoint, finished, or superseded by a redelivery: this attempt is not the live one.
  if (!isLive(delivery, seq)) return;
  const endpoint = await deps.webhooks.findById(delivery.webhookId);
  if (!endpoint) return;
  if (endpoint.disabled) {
    await update(deps, endpoint.id, deliveryId, seq, (current) => {
      deps.observer.deadLettered();
      return abandon(current, `not sent: the endpoint is disabled (${endpoint.disabledReason})`);
    });
    return;
  }
  if (!slots.tryTake(endpoint.id)) {
    await update(
      deps,
      endpoint.id,
      deliveryId,
      seq,
      (current) => ({
        ...current,
        attemptSeq: current.attemptSeq + 1,
        nextAttemptTime: new Date(deps.clock.now().getTime() + busyEndpointDelayMs(busy)),
      }),
      busy + 1,
    );
    return;
  }
  const sentAt = deps.clock.now();
  let result: Awaited<ReturnType<typeof deps.sender.send>>;
  try {
    result = await deps.sender.send({
      url: endpoint.url,
      id: delivery.id,
      timestamp: sentAt,
      body: delivery.body,
      secrets: signingSecrets(endpoint, sentAt),
    });
  } finally {
    slots.release(endpoint.id);
  }
  const now = deps.clock.now();
  const verdict = verdictOf(result);
  deps.observer.attempted(verdict, (now.getTime() - sentAt.getTime()) / 1000);
  await deps.uow.run(async (tx) => {
    // Lock order: endpoint, then delivery (the order a delete's cascade takes).
    const current = await tx.webhooks.findForUpdate(endpoint.id);
    const live = await tx.deliveries.findForUpdate(deliveryId);
    if (!current || !isLive(live, seq)) return;
    const next = afterAttempt(live, result, { sentAt, now }, deps.schedule);
    await tx.deliveries.update(next);
    if (next.status === "PENDING") await scheduleAttempt(tx, next);
    else if (next.status === "FAILED") deps.observer.deadLettered();
    if (verdict === "succeeded") {
      if (current.failingSince) await tx.webhooks.update({ ...current, failingSince: undefined });
      return;
    }
    const failingSince = current.failingSince ?? sentAt;
    if (now.getTime() - failingSince.getTime() >= deps.disableAfterMs) {
      const reason = `every delivery failed since ${failingSince.toISOString()}`;
      await tx.webhooks.update({ ...current, failingSince, disabled: true, disabledReason: reason });
      const abandoned = await tx.deliveries.abandonPending(
        current.id,
        `not sent: the endpoint was disabled (${reason})`,
      );
      for (let i = 0; i < abandoned; i++) deps.observer.deadLettered();
    } else if (!current.failingSince) {
      await tx.webhooks.update({ ...current, failingSince });
    }
  });
}

/** Changes a still-live delivery under the endpoint-then-delivery lock order, scheduling it if it stays PENDING. */
async function update(
  deps: WebhookDeps,
  endpointId: string,
  deliveryId: string,
  seq: number,
  change: (delivery: WebhookDelivery) => WebhookDelivery,
  busy = 0,
): Promise<void> {
  await deps.uow.run(async (tx) => {
    await tx.webhooks.findForUpdate(endpointId);
    const live = await tx.deliveries.findForUpdate(deliveryId);
    if (!isLive(live, seq)) return;
    const next = change(live);
    await tx.deliveries.update(next);
    if (next.status === "PENDING") await scheduleAttempt(tx, next, busy);
  });
}
