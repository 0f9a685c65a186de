import type { Logger } from "pino";
import { redeliveryPolicy } from "../adapters/events/consumer-delivery.js";
import type { ReadinessCheck } from "../adapters/http/operator-routes.js";
import { InProcessEventBus } from "../adapters/inprocess/in-process-event-bus.js";
import { ensureEventStream } from "../adapters/nats/event-stream.js";
import { EventSubjects } from "../adapters/nats/event-subjects.js";
import { JetStreamConnection } from "../adapters/nats/jetstream-connection.js";
import { JetStreamEventBus } from "../adapters/nats/jetstream-event-bus.js";
import { JetStreamEventPublisher } from "../adapters/nats/jetstream-event-publisher.js";
import type { Metrics } from "../adapters/observability/metrics.js";
import type { Sql } from "../adapters/postgres/database.js";
import { OutboxRelay, type OutboxRelayOptions, type OutboxSink } from "../adapters/postgres/outbox-relay.js";
import { PostgresConsumerHolds } from "../adapters/postgres/postgres-consumer-holds.js";
import { PostgresDeadLetters } from "../adapters/postgres/postgres-dead-letters.js";
import { pruneExpiredEvents } from "../adapters/postgres/postgres-event-retention.js";
import {
  type JobSchedulerOptions,
  PostgresJobScheduler,
} from "../adapters/postgres/postgres-job-scheduler.js";
import type { EventBus } from "../domain/shared/event-bus.js";
import type { JobScheduler } from "../domain/shared/job-scheduler.js";
import type { Config } from "./config.js";

// Part of the composition root: chooses the bus (JetStream with NATS_URL, else in-process) and wires the
// outbox relay, the job scheduler and the retention job around it. See docs/events.md.

export interface EventBackbone {
  readonly bus: EventBus;
  readonly jobs: JobScheduler;
  readonly readiness: readonly ReadinessCheck[];
  /** The in-process after-commit signal (PostgresUnitOfWork's afterCommit): relay now. */
  readonly wakeRelay: () => void;
  /** Starts the relay and the scheduler; call once consumers and job handlers are registered. */
  start(): Promise<void>;
  /** Stops consumers (each finishes the event in hand), then the relay and the scheduler, then NATS. */
  stop(): Promise<void>;
}

/** How often expired events, processed ids and finished jobs are pruned (once across instances). */
const PRUNE_EVERY_MS = 3_600_000;

export async function createEventBackbone(
  config: Config,
  deps: {
    readonly sql: Sql;
    /** Connections in the pool: 1 means a single-session server (PGlite), where LISTEN cannot run. */
    readonly poolSize: number;
    readonly metrics: Metrics;
    readonly logger: Logger;
    /** Timings for tests and benches; production runs on the defaults. */
    readonly tuning?: { readonly relay?: OutboxRelayOptions; readonly jobs?: JobSchedulerOptions };
  },
): Promise<EventBackbone> {
  const { sql, metrics, logger } = deps;
  const jobs = new PostgresJobScheduler(
    sql,
    { logger: logger.child({ component: "jobs" }), metrics },
    { leaseMs: config.jobLeaseMs, ...deps.tuning?.jobs },
  );
  const deliveryDeps = {
    deadLetters: new PostgresDeadLetters(sql),
    metrics,
    logger: logger.child({ component: "consumers" }),
    policy: redeliveryPolicy(config.events.consumerMaxDeliver, config.events.consumerRetryBaseMs),
  };

  let bus: EventBus & { stop(): Promise<void> };
  let sink: OutboxSink;
  const readiness: ReadinessCheck[] = [];
  let closeConnection = async () => {};
  let onSinkBack = (_retry: () => void) => {};
  if (config.natsUrl) {
    const nats = await JetStreamConnection.connect(config.natsUrl, logger.child({ component: "nats" }));
    closeConnection = () => nats.close();
    const subjects = new EventSubjects(config.events.subjectPrefix);
    const ensureStream = () =>
      ensureEventStream(nats.jsm, {
        name: config.events.stream,
        maxAgeMs: config.events.retentionMs,
        duplicateWindowMs: config.events.duplicateWindowMs,
        replicas: config.events.streamReplicas,
        subjects,
      });
    try {
      await ensureStream();
    } catch (error) {
      await nats.close();
      throw error;
    }
    bus = new JetStreamEventBus({
      ...deliveryDeps,
      js: nats.js,
      jsm: nats.jsm,
      stream: config.events.stream,
      order: new PostgresConsumerHolds(sql),
      inactiveThresholdMs: config.events.retentionMs,
      subjects,
    });
    sink = new JetStreamEventPublisher({
      js: nats.js,
      subjects,
      isConnected: () => nats.isConnected,
      ensureStream,
      logger: logger.child({ component: "outbox-relay" }),
    });
    readiness.push({ name: "nats", check: () => nats.check() });
    onSinkBack = (retry) => nats.onReconnect(retry);
  } else {
    const inProcess = new InProcessEventBus({ ...deliveryDeps, sql, jobs });
    bus = inProcess;
    sink = inProcess;
  }

  const relay = new OutboxRelay(
    sql,
    sink,
    { logger: logger.child({ component: "outbox-relay" }), metrics },
    { listen: deps.poolSize > 1, ...deps.tuning?.relay },
  );
  onSinkBack(() => relay.retryNow());
  const retentionLogger = logger.child({ component: "event-retention" });
  jobs.every("event-backbone.prune", PRUNE_EVERY_MS, async () => {
    const pruned = await pruneExpiredEvents(sql, config.events.retentionMs);
    retentionLogger.info(pruned, "pruned expired events and jobs");
  });

  return {
    bus,
    jobs,
    readiness,
    wakeRelay: () => relay.wake(),
    async start() {
      await relay.start();
      jobs.start();
    },
    async stop() {
      await bus.stop();
      await relay.stop();
      await jobs.stop();
      await closeConnection();
    },
  };
}
