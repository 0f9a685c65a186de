import {
  AckPolicy,
  type ConsumerConfig,
  type ConsumerMessages,
  DeliverPolicy,
  type JetStreamClient,
  type JetStreamManager,
  type JsMsg,
  NatsError,
  nanos,
} from "nats";
import { CONSUMER_NAME, type EventConsumer } from "../../domain/shared/event-bus.js";
import type { StopHandle } from "../../domain/shared/stop-handle.js";
import { type ConsumerDeliveryDeps, deliverToConsumer } from "../events/consumer-delivery.js";
import type { ConsumerOrder } from "../events/consumer-order.js";
import { fromEventMessage } from "./event-message.js";
import { DEFAULT_EVENT_SUBJECTS, type EventSubjects } from "./event-subjects.js";

export interface JetStreamConsumerDeps extends ConsumerDeliveryDeps {
  readonly js: JetStreamClient;
  readonly jsm: JetStreamManager;
  readonly stream: string;
  /** The deployment's event subjects (NATS_SUBJECT_PREFIX); the default prefix when absent. */
  readonly subjects?: EventSubjects;
  /** How long JetStream waits for an ack before redelivering; a running handler extends it. */
  readonly ackWaitMs?: number;
  /** Keeps an aggregate's events in order across redeliveries; without it a retried event is overtaken. */
  readonly order?: ConsumerOrder;
  /**
   * How long the server keeps a durable consumer that no instance pulls from (EVENT_RETENTION): one removed
   * from the code stops holding its messages, as the in-process bus forgets consumers no instance runs.
   */
  readonly inactiveThresholdMs?: number;
}

/** The subject a durable consumer filters on (see EventSubjects.filterFor). */
export function filterSubjectFor(
  types: readonly string[],
  subjects: EventSubjects = DEFAULT_EVENT_SUBJECTS,
): string {
  return subjects.filterFor(types);
}

/**
 * A durable pull consumer with explicit acks, shared by every instance that runs it (JetStream hands each
 * message to one of them). A message is acked only after the handler resolved, nak'ed with a backoff delay
 * when it threw, and terminated once dead-lettered. New consumers start at new messages, like the
 * in-process bus, which only queues events for consumers registered when they are published.
 */
export async function startJetStreamDurableConsumer(
  consumer: EventConsumer,
  deps: JetStreamConsumerDeps,
): Promise<StopHandle> {
  if (!CONSUMER_NAME.test(consumer.name)) throw new RangeError(`invalid consumer name "${consumer.name}"`);
  if (consumer.eventTypes.length === 0)
    throw new RangeError(`consumer ${consumer.name} takes no event types`);
  const types = new Set(consumer.eventTypes);
  const ackWaitMs = deps.ackWaitMs ?? 30_000;
  const durableConfig = {
    filter_subject: filterSubjectFor(consumer.eventTypes, deps.subjects),
    ack_wait: nanos(ackWaitMs),
    ...(deps.inactiveThresholdMs ? { inactive_threshold: nanos(deps.inactiveThresholdMs) } : {}),
  };
  const logger = deps.logger.child({ consumer: consumer.name });
  await ensureDurable(deps.jsm, deps.stream, consumer.name, durableConfig);

  let stopping = false;
  let messages: ConsumerMessages | undefined;

  const handle = async (m: JsMsg): Promise<void> => {
    const envelope = fromEventMessage(m, deps.subjects);
    if (!envelope) {
      logger.error({ subject: m.subject, seq: m.seq }, "not a Shopfloor event message; terminated");
      m.term();
      return;
    }
    if (!types.has(envelope.type)) {
      m.ack();
      return;
    }
    // An earlier event of this aggregate is being retried (or waits itself): this one waits behind it, as a
    // hold that is no attempt of its own, and comes back after the first retry delay to look again.
    const { order } = deps;
    const seq = m.seq;
    let attempt = m.info.redeliveryCount;
    let held = false;
    if (order) {
      const state = await order.check(consumer.name, envelope.aggregateId, seq);
      if (state.blocked) {
        await order.hold(consumer.name, envelope.aggregateId, seq, false);
        m.nak(deps.policy.retryDelayMs(1));
        return;
      }
      if (state.attempts !== undefined) {
        held = true;
        attempt = state.attempts + 1;
      }
    }
    // Tells JetStream the handler is still at work so a slow one is not redelivered to another instance.
    const heartbeat = setInterval(() => m.working(), Math.max(1000, ackWaitMs / 3));
    try {
      const outcome = await deliverToConsumer(consumer, envelope, attempt, { ...deps, logger });
      if (outcome.kind === "retry") {
        // Held before the nak, so the aggregate's next event (handled next here) already waits behind it.
        await order?.hold(consumer.name, envelope.aggregateId, seq, true);
        m.nak(outcome.delayMs);
        return;
      }
      if (held) await order?.release(consumer.name, envelope.aggregateId, seq);
      if (outcome.kind === "acked") m.ack();
      else m.term();
    } finally {
      clearInterval(heartbeat);
    }
  };

  const loop = (async () => {
    while (!stopping) {
      try {
        const c = await deps.js.consumers.get(deps.stream, consumer.name);
        messages = await c.consume({ max_messages: 16 });
        if (stopping) messages.stop();
        for await (const m of messages) {
          // Messages fetched before the stop are handed back at once for another instance to take.
          if (stopping) m.nak();
          else await handle(m);
        }
        if (stopping) break;
        throw new Error("consumer stopped delivering");
      } catch (error) {
        if (stopping) break;
        logger.warn({ err: error }, "consumer interrupted; resuming");
        await new Promise((r) => setTimeout(r, 1000));
        await ensureDurable(deps.jsm, deps.stream, consumer.name, durableConfig).catch(() => {});
      }
    }
  })();

  return {
    async stop() {
      stopping = true;
      messages?.stop();
      await loop;
    },
  };
}

async function ensureDurable(
  jsm: JetStreamManager,
  stream: string,
  name: string,
  config: Pick<ConsumerConfig, "filter_subject" | "ack_wait" | "inactive_threshold">,
): Promise<void> {
  const full: Partial<ConsumerConfig> = {
    durable_name: name,
    ack_policy: AckPolicy.Explicit,
    deliver_policy: DeliverPolicy.New,
    // Unbounded on the server: the bound is enforced here, where a dead letter can be recorded first.
    max_deliver: -1,
    max_ack_pending: 1000,
    ...config,
  };
  try {
    await jsm.consumers.add(stream, full);
  } catch (error) {
    // Exists with another configuration (a deploy changed its types): update what may be updated.
    if (!(error instanceof NatsError) || !error.api_error) throw error;
    await jsm.consumers.update(stream, name, config);
  }
}
