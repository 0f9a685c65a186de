import type { Logger } from "pino";
import type { EventConsumer } from "../../domain/shared/event-bus.js";
import type { Metrics } from "../observability/metrics.js";
import { decodeEvent, type EventEnvelope } from "./event-decoding.js";

/** How often a consumer is given an event before it is dead-lettered, and how long between tries. */
export interface RedeliveryPolicy {
  readonly maxDeliver: number;
  /** Delay before delivery `attempt + 1` after delivery `attempt` failed. */
  retryDelayMs(attempt: number): number;
}

export const redeliveryPolicy = (maxDeliver: number, firstDelayMs: number): RedeliveryPolicy => ({
  maxDeliver,
  retryDelayMs: (attempt) => Math.min(60_000, firstDelayMs * 2 ** Math.min(attempt - 1, 16)),
});

export interface DeadLetterRecorder {
  record(consumer: string, event: EventEnvelope, attempts: number, error: string): Promise<void>;
}

export type DeliveryOutcome =
  | { readonly kind: "acked" }
  | { readonly kind: "retry"; readonly delayMs: number }
  | { readonly kind: "dead_lettered" };

export interface ConsumerDeliveryDeps {
  readonly deadLetters: DeadLetterRecorder;
  readonly metrics: Metrics;
  readonly logger: Logger;
  readonly policy: RedeliveryPolicy;
}

/**
 * One delivery of an event to a durable consumer, the same for both buses: decode, handle, and say what the
 * bus should do with the message. An event that cannot be decoded will never succeed, so it is dead-lettered
 * at once; a failing handler is retried until `maxDeliver`, then dead-lettered. If recording the dead letter
 * fails too, the event is retried rather than dropped.
 */
export async function deliverToConsumer(
  consumer: EventConsumer,
  envelope: EventEnvelope,
  attempt: number,
  deps: ConsumerDeliveryDeps,
): Promise<DeliveryOutcome> {
  const { metrics, logger, policy } = deps;
  const labels = { consumer: consumer.name };
  if (attempt > 1) metrics.consumerRedeliveries.inc(labels);

  let failure: unknown;
  let poison = false;
  try {
    const event = decodeEvent(envelope);
    try {
      await consumer.handle(event, { attempt });
      metrics.consumerDeliveries.inc({ ...labels, outcome: "acked" });
      return { kind: "acked" };
    } catch (error) {
      failure = error;
    }
  } catch (error) {
    failure = error;
    poison = true;
  }

  const context = { consumer: consumer.name, eventId: envelope.id, type: envelope.type, attempt };
  if (!poison && attempt < policy.maxDeliver) {
    const delayMs = policy.retryDelayMs(attempt);
    metrics.consumerDeliveries.inc({ ...labels, outcome: "retried" });
    logger.warn({ ...context, err: failure, delayMs }, "event handler failed; will redeliver");
    return { kind: "retry", delayMs };
  }
  try {
    await deps.deadLetters.record(consumer.name, envelope, attempt, errorText(failure));
  } catch (error) {
    const delayMs = policy.retryDelayMs(policy.maxDeliver);
    metrics.consumerDeliveries.inc({ ...labels, outcome: "retried" });
    logger.error({ ...context, err: error, delayMs }, "cannot record a dead letter; will redeliver");
    return { kind: "retry", delayMs };
  }
  metrics.consumerDeliveries.inc({ ...labels, outcome: "dead_lettered" });
  metrics.consumerDeadLetters.inc(labels);
  logger.error({ ...context, err: failure }, "event dead-lettered");
  return { kind: "dead_lettered" };
}

const errorText = (error: unknown): string =>
  error instanceof Error ? `${error.name}: ${error.message}` : String(error);
