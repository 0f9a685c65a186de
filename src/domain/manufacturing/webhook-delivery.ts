import { nextAttemptTime, type RetrySchedule } from "./webhook-retry-schedule.js";

// One message to one endpoint and what its attempts did. Its id is the webhook-id header of every attempt,
// so a receiver deduplicates retries and redeliveries by it.

export const DELIVERY_STATUSES = ["PENDING", "SUCCEEDED", "FAILED"] as const;
export type DeliveryStatus = (typeof DELIVERY_STATUSES)[number];

export interface WebhookDelivery {
  readonly id: string;
  readonly webhookId: string;
  /** The outbox event it reports; one delivery per endpoint and event. */
  readonly eventId: string;
  /** "purchase.created" or "purchase.state_changed". */
  readonly eventType: string;
  readonly purchaseId: string;
  /** The exact JSON sent (and signed) on every attempt. */
  readonly body: string;
  readonly status: DeliveryStatus;
  /** Attempts made, over every round. */
  readonly attempts: number;
  /** Attempts made in the current round (reset by a redelivery). */
  readonly roundAttempts: number;
  /** When the current round's first attempt was due. */
  readonly roundStart: Date;
  /** 0 when the last attempt got no HTTP answer, or before the first. */
  readonly lastStatusCode: number;
  readonly lastError: string;
  /** Set while PENDING. */
  readonly nextAttemptTime?: Date | undefined;
  readonly lastAttemptTime?: Date | undefined;
  readonly createTime: Date;
  /**
   * Which scheduled attempt is the live one. Every (re)scheduling bumps it; an attempt job carrying an older
   * number (a redelivery superseded it) does nothing.
   */
  readonly attemptSeq: number;
}

/** What one HTTP attempt came to, as the sender saw it. */
export type AttemptResult =
  /** The endpoint answered with this status. */
  | { readonly kind: "answered"; readonly status: number; readonly retryAfterMs?: number | undefined }
  /** No HTTP answer: refused, reset, DNS failure, timeout. */
  | { readonly kind: "unreachable"; readonly error: string }
  /** The guard refused the address the URL resolves to now (SSRF): never sent. */
  | { readonly kind: "refused"; readonly error: string };

export type AttemptVerdict = "succeeded" | "retry" | "failed";

/**
 * 2xx ends a delivery. Timeouts, network errors, 5xx, 408, 409 and 429 may pass and are retried; so are
 * redirects, which are never followed (the target was not checked) and usually mean a moved endpoint that its
 * owner fixes. Every other 4xx says the request itself is refused, so retrying cannot help: it fails at once.
 */
export function verdictOf(result: AttemptResult): AttemptVerdict {
  if (result.kind === "refused") return "failed";
  if (result.kind === "unreachable") return "retry";
  const { status } = result;
  if (status >= 200 && status < 300) return "succeeded";
  if (status >= 500 || status === 408 || status === 409 || status === 429) return "retry";
  if (status >= 300 && status < 400) return "retry";
  return "failed";
}

export const describeResult = (result: AttemptResult): string =>
  result.kind === "answered"
    ? result.status >= 300 && result.status < 400
      ? `answered ${result.status}; redirects are not followed`
      : `answered ${result.status}`
    : result.error;

/**
 * The delivery after an attempt sent at `sentAt` whose outcome is known at `now`, with the time of the next
 * attempt when there is one (counted from `now`: an attempt that timed out waits its full delay after that).
 */
export function afterAttempt(
  delivery: WebhookDelivery,
  result: AttemptResult,
  { sentAt, now }: { readonly sentAt: Date; readonly now: Date },
  schedule: RetrySchedule,
): WebhookDelivery {
  const verdict = verdictOf(result);
  const attempted = {
    ...delivery,
    attempts: delivery.attempts + 1,
    roundAttempts: delivery.roundAttempts + 1,
    lastStatusCode: result.kind === "answered" ? result.status : 0,
    lastAttemptTime: sentAt,
  };
  if (verdict === "succeeded") {
    return { ...attempted, status: "SUCCEEDED", lastError: "", nextAttemptTime: undefined };
  }
  const lastError = describeResult(result).slice(0, 1000);
  const next =
    verdict === "retry"
      ? nextAttemptTime(schedule, {
          attemptsMade: attempted.roundAttempts,
          roundStart: delivery.roundStart,
          now,
          retryAfterMs: result.kind === "answered" ? result.retryAfterMs : undefined,
          jitterSeed: delivery.id,
        })
      : undefined;
  if (!next) return { ...attempted, status: "FAILED", lastError, nextAttemptTime: undefined };
  return {
    ...attempted,
    status: "PENDING",
    lastError,
    nextAttemptTime: next,
    attemptSeq: delivery.attemptSeq + 1,
  };
}

/** A delivery sent again from now, with the same id: a fresh round of the schedule. */
export function redeliver(delivery: WebhookDelivery, now: Date): WebhookDelivery {
  return {
    ...delivery,
    status: "PENDING",
    roundAttempts: 0,
    roundStart: now,
    nextAttemptTime: now,
    attemptSeq: delivery.attemptSeq + 1,
  };
}

/** A delivery given up without an attempt (its endpoint was disabled). */
export function abandon(delivery: WebhookDelivery, reason: string): WebhookDelivery {
  return { ...delivery, status: "FAILED", lastError: reason, nextAttemptTime: undefined };
}
