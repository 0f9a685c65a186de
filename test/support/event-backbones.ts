import { pino } from "pino";
import { uuidv7 } from "uuidv7";
import { Metrics } from "../../src/adapters/observability/metrics.js";
import { connectDatabase, type Sql, type SqlExecutor } from "../../src/adapters/postgres/database.js";
import { PostgresEventOutbox } from "../../src/adapters/postgres/postgres-event-outbox.js";
import { PostgresProcessedEvents } from "../../src/adapters/postgres/postgres-processed-events.js";
import { PostgresScheduledJobs } from "../../src/adapters/postgres/postgres-scheduled-jobs.js";
import { PostgresUnitOfWork } from "../../src/adapters/postgres/postgres-unit-of-work.js";
import { loadConfig } from "../../src/app/config.js";
import { createEventBackbone, type EventBackbone } from "../../src/app/event-backbone.js";
import type { UserRegistered } from "../../src/domain/identity/events.js";
import type { DomainEvent, EventOutbox } from "../../src/domain/shared/domain-event.js";
import type { ScheduledJobs } from "../../src/domain/shared/job-scheduler.js";
import type { ProcessedEvents } from "../../src/domain/shared/processed-events.js";
import type { UnitOfWork } from "../../src/domain/shared/unit-of-work.js";
import type { DatabaseKind, TestDatabase } from "./databases.js";

export type BusKind = "jetstream" | "inprocess";

/** The two buses under one contract: JetStream on PostgreSQL, and the embedded default (in-process on PGlite). */
export const BUSES: ReadonlyArray<{ readonly bus: BusKind; readonly database: DatabaseKind }> = [
  { bus: "jetstream", database: "postgres" },
  { bus: "inprocess", database: "pglite" },
];

/** What a test's unit of work binds: the outbox, the processed-events mark, jobs, and raw SQL for its own rows. */
export interface TestTx {
  readonly outbox: EventOutbox;
  readonly processedEvents: ProcessedEvents;
  readonly jobs: ScheduledJobs;
  readonly sql: SqlExecutor;
}

export interface TestBackbone extends EventBackbone {
  readonly sql: Sql;
  readonly metrics: Metrics;
  readonly uow: UnitOfWork<TestTx>;
  /** Commits `events` in one transaction, as a use case does. */
  append(...events: DomainEvent[]): Promise<void>;
}

export interface TestBackboneOptions {
  readonly bus: BusKind;
  readonly database: TestDatabase;
  /** Required for "jetstream". */
  readonly natsUrl?: string;
  readonly env?: Record<string, string>;
}

/**
 * One instance's event backbone, wired by the production factory with test timings (fast retries, short
 * polls). On PostgreSQL each instance gets its own pool, as separate processes would; PGlite serves one
 * session, so an instance on it shares the test database's pool of one.
 */
export async function startTestBackbone(options: TestBackboneOptions): Promise<TestBackbone> {
  const { database } = options;
  const pglite = database.kind === "pglite";
  const sql = pglite ? database.sql : connectDatabase(database.url, { max: 5 });
  const config = loadConfig({
    DATABASE_URL: database.url,
    NATS_URL: options.bus === "jetstream" ? requireUrl(options.natsUrl) : "",
    CONSUMER_MAX_DELIVER: "3",
    CONSUMER_RETRY_BASE: "100ms",
    LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? "silent",
    ...options.env,
  });
  const metrics = new Metrics();
  const backbone = await createEventBackbone(config, {
    sql,
    poolSize: pglite ? 1 : 5,
    metrics,
    logger: pino({ level: config.logLevel }),
    tuning: {
      relay: { retryFirstMs: 50, retryMaxMs: 1000, safetyPollMs: 1000, busyRetryMs: 50 },
      jobs: { pollMs: 200 },
    },
  });
  const uow = new PostgresUnitOfWork<TestTx>(
    sql,
    (tx, events) => ({
      outbox: new PostgresEventOutbox(tx, events.appended),
      processedEvents: new PostgresProcessedEvents(tx),
      jobs: new PostgresScheduledJobs(tx),
      sql: tx,
    }),
    backbone.wakeRelay,
  );
  await backbone.start();
  return {
    ...backbone,
    sql,
    metrics,
    uow,
    append: (...events) =>
      uow.run(async (tx) => {
        for (const event of events) await tx.outbox.append(event);
      }),
    async stop() {
      await backbone.stop();
      if (!pglite) await sql.end({ timeout: 5 });
    },
  };
}

const requireUrl = (url: string | undefined): string => {
  if (!url) throw new Error("a JetStream backbone needs a NATS URL");
  return url;
};

/** A valid, decodable event about `aggregateId` (the one event type every build can decode). */
export function userRegistered(aggregateId: string = uuidv7()): UserRegistered {
  const now = new Date();
  const username = `u${uuidv7().replaceAll("-", "").slice(-12)}`;
  return {
    id: uuidv7(),
    type: "identity.user_registered",
    aggregateId,
    occurredAt: now,
    payload: {
      userId: aggregateId,
      email: `${username}@example.com`,
      username,
      role: "CUSTOMER",
      createTime: now,
    },
  };
}

/** The published counter of one instance's metrics. */
export async function publishedCount(metrics: Metrics): Promise<number> {
  const metric = await metrics.outboxPublished.get();
  return metric.values.reduce((sum, v) => sum + v.value, 0);
}
