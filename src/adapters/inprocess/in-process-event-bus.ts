import type { DomainEvent } from "../../domain/shared/domain-event.js";
import {
  CONSUMER_NAME,
  type EventBus,
  type EventConsumer,
  type LiveEventFilter,
} from "../../domain/shared/event-bus.js";
import type { JobScheduler } from "../../domain/shared/job-scheduler.js";
import type { StopHandle } from "../../domain/shared/stop-handle.js";
import { type ConsumerDeliveryDeps, deliverToConsumer } from "../events/consumer-delivery.js";
import { decodeLiveEvent } from "../events/event-decoding.js";
import { LiveEventFanout } from "../events/live-event-fanout.js";
import type { Sql, SqlExecutor } from "../postgres/database.js";
import {
  type OutboxRecord,
  type OutboxRow,
  type OutboxSink,
  type SinkResult,
  toRecord,
} from "../postgres/outbox-relay.js";

export interface InProcessEventBusDeps extends ConsumerDeliveryDeps {
  readonly sql: Sql;
  /** Runs the deliveries; `wake` lets them start as soon as the relay committed them. */
  readonly jobs: JobScheduler & { wake(): void };
}

/** Deliveries to consumer C are jobs named this + C, keyed by event id (so an event is queued once). */
const DELIVERY_JOB_PREFIX = "event-delivery:";
/** How often a running consumer is marked as seen; far shorter than the retention that removes silent ones. */
const SEEN_EVERY_MS = 3_600_000;

/**
 * The embedded default's bus: the same ports as JetStream with no server, fed by the same outbox relay.
 *
 * Durability comes from the database, not memory: consumers are registered in event_consumers, and the
 * relay, in the transaction that marks events published, queues one scheduled job per (matching consumer,
 * event). The job scheduler then delivers them with the same ack-after-handler, bounded redelivery and
 * dead-letter rules as the JetStream consumer (consumer-delivery.ts), one at a time per consumer, and
 * ordered by aggregate (the job's ordering key): an event being retried holds back its aggregate's later
 * events, while other aggregates' events go on. A restart finds undelivered events still queued.
 *
 * Live subscriptions are fed in memory after the relay commits, so they see this instance's events only:
 * several instances need NATS for WatchOrder to follow changes made elsewhere.
 */
export class InProcessEventBus implements EventBus, OutboxSink {
  private readonly fanout: LiveEventFanout;
  private readonly consumers = new Set<StopHandle>();
  /** Names of the consumers running here, marked as seen now and then. */
  private readonly running = new Set<string>();
  private heartbeat: NodeJS.Timeout | undefined;

  constructor(private readonly deps: InProcessEventBusDeps) {
    this.fanout = new LiveEventFanout(deps.logger);
  }

  async deliver(records: readonly OutboxRecord[], tx: SqlExecutor): Promise<SinkResult> {
    const seqs = records.map((r) => r.seq);
    await tx`
      insert into scheduled_jobs (name, key, run_at, payload, ordering_key)
      select ${DELIVERY_JOB_PREFIX} || c.name, o.id::text, now(), jsonb_build_object('seq', o.seq),
             o.aggregate_id::text
      from outbox o join event_consumers c on o.type = any (c.event_types)
      where o.seq in ${tx(seqs)}
      order by o.seq, c.name
      on conflict (name, key) do nothing`;
    return { delivered: seqs };
  }

  afterCommit(records: readonly OutboxRecord[]): void {
    this.deps.jobs.wake();
    for (const record of records) {
      if (this.fanout.listenerCount(record.type) === 0) continue;
      try {
        this.fanout.dispatch(decodeLiveEvent(record));
      } catch (error) {
        this.deps.logger.warn({ err: error, eventId: record.id }, "live event dropped: cannot decode");
      }
    }
  }

  async consume(consumer: EventConsumer): Promise<StopHandle> {
    if (!CONSUMER_NAME.test(consumer.name)) throw new RangeError(`invalid consumer name "${consumer.name}"`);
    if (consumer.eventTypes.length === 0)
      throw new RangeError(`consumer ${consumer.name} takes no event types`);
    const { sql } = this.deps;
    const types = [...new Set(consumer.eventTypes)].sort();
    // Seen now, and again every SEEN_EVERY_MS while it runs: a consumer no instance runs any more is
    // removed by the retention job (postgres-record-retention.ts) and gets nothing more queued.
    await sql`
      insert into event_consumers (name, event_types) values (${consumer.name}, ${types})
      on conflict (name) do update set
        event_types = excluded.event_types,
        seen_time = now(),
        update_time = case when event_consumers.event_types is distinct from excluded.event_types
                           then now() else event_consumers.update_time end`;
    this.running.add(consumer.name);
    this.heartbeat ??= setInterval(() => {
      const names = [...this.running];
      if (names.length === 0) return;
      sql`update event_consumers set seen_time = now() where name in ${sql(names)}`.catch((error) =>
        this.deps.logger.warn({ err: error }, "cannot mark consumers as seen; retrying next time"),
      );
    }, SEEN_EVERY_MS);
    this.heartbeat.unref();
    const logger = this.deps.logger.child({ consumer: consumer.name });
    const handle = this.deps.jobs.handle(
      DELIVERY_JOB_PREFIX + consumer.name,
      async (job) => {
        const seq = (job.payload as { seq?: unknown } | null)?.seq;
        const [row] = await sql<OutboxRow[]>`
          select seq, id, type, aggregate_id, payload_type, payload, occurred_at
          from outbox where seq = ${typeof seq === "number" ? seq : -1}`;
        if (!row) {
          logger.error({ eventId: job.key }, "queued event no longer in the outbox (pruned); skipped");
          return;
        }
        const outcome = await deliverToConsumer(consumer, toRecord(row), job.attempt, {
          ...this.deps,
          logger,
        });
        // Throwing makes the scheduler run the delivery again after the policy's delay.
        if (outcome.kind === "retry") throw new Error("redelivery requested");
      },
      {
        concurrency: 1,
        // Unbounded here: deliverToConsumer dead-letters at maxDeliver and then resolves.
        retry: { maxAttempts: Number.MAX_SAFE_INTEGER, delayMs: (a) => this.deps.policy.retryDelayMs(a) },
      },
    );
    this.consumers.add(handle);
    return {
      stop: async () => {
        this.consumers.delete(handle);
        this.running.delete(consumer.name);
        await handle.stop();
      },
    };
  }

  async subscribe(filter: LiveEventFilter, listener: (event: DomainEvent) => void): Promise<StopHandle> {
    const remove = this.fanout.add(filter, listener);
    return { stop: async () => remove() };
  }

  async stop(): Promise<void> {
    clearInterval(this.heartbeat);
    this.heartbeat = undefined;
    const consumers = [...this.consumers];
    this.consumers.clear();
    await Promise.all(consumers.map((c) => c.stop()));
  }
}
