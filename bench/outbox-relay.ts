import { randomBytes } from "node:crypto";
import { pino } from "pino";
import { Metrics } from "../src/adapters/observability/metrics.js";
import { connectDatabase, type Sql } from "../src/adapters/postgres/database.js";
import { migrate } from "../src/adapters/postgres/migrator.js";
import { PostgresEventOutbox } from "../src/adapters/postgres/postgres-event-outbox.js";
import { PostgresUnitOfWork } from "../src/adapters/postgres/postgres-unit-of-work.js";
import { loadConfig } from "../src/app/config.js";
import { createEventBackbone } from "../src/app/event-backbone.js";
import type { EventOutbox } from "../src/domain/shared/domain-event.js";
import { userRegistered } from "../test/support/event-backbones.js";
import { startPrivateNatsServer } from "../test/support/nats-server.js";

// Measures the outbox relay under a burst: N events committed in N transactions (from C concurrent writers)
// while the relay runs, then N events already waiting when a relay starts (pure drain). Reports commit rate,
// relay throughput, the outbox lag sampled during the burst, and commit-to-publish latency per event.
//
//   node --import tsx bench/outbox-relay.ts [--events 10000] [--writers 32] [--bus jetstream|inprocess]
//
// PostgreSQL from DATABASE_URL (default the local server; a scratch database is created and dropped);
// NATS from NATS_URL, else a private nats-server is started (the stream must not collide with another).

const args = new Map<string, string>();
for (let i = 2; i < process.argv.length; i += 2) args.set(process.argv[i] ?? "", process.argv[i + 1] ?? "");
const EVENTS = Number(args.get("--events") ?? 10_000);
const WRITERS = Number(args.get("--writers") ?? 32);
const BUS = (args.get("--bus") ?? "jetstream") as "jetstream" | "inprocess";

const adminUrl = process.env.DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/postgres";
const dbName = `shopfloor_bench_${randomBytes(4).toString("hex")}`;
const admin = connectDatabase(adminUrl, { max: 1 });
await admin.unsafe(`create database ${dbName}`);
const url = new URL(adminUrl);
url.pathname = `/${dbName}`;
const nats = BUS === "jetstream" && !process.env.NATS_URL ? await startPrivateNatsServer() : undefined;
const natsUrl = BUS === "jetstream" ? (process.env.NATS_URL ?? nats?.url ?? "") : "";

const sql = connectDatabase(url.toString(), { max: WRITERS + 4 });
await migrate(sql);

const report: Array<[string, string]> = [];
try {
  report.push(...(await burst(sql)));
  report.push(...(await drain(sql)));
} finally {
  await sql.end({ timeout: 5 });
  await admin.unsafe(`drop database if exists ${dbName} with (force)`);
  await admin.end();
  await nats?.dispose();
}

process.stdout.write(
  [
    `outbox relay, ${BUS}, ${EVENTS} events, ${WRITERS} writers, node ${process.version}`,
    "",
    "| measure | value |",
    "|---|---|",
    ...report.map(([k, v]) => `| ${k} | ${v} |`),
    "",
  ].join("\n"),
);

async function backbone(db: Sql) {
  const config = loadConfig({ DATABASE_URL: url.toString(), NATS_URL: natsUrl, LOG_LEVEL: "warn" });
  const metrics = new Metrics();
  const b = await createEventBackbone(config, {
    sql: db,
    poolSize: WRITERS + 4,
    metrics,
    logger: pino({ level: "warn" }),
  });
  return { ...b, metrics };
}

function writer(db: Sql, wake: () => void) {
  const uow = new PostgresUnitOfWork<{ outbox: EventOutbox }>(
    db,
    (tx, events) => ({ outbox: new PostgresEventOutbox(tx, events.appended) }),
    wake,
  );
  return (aggregate: string) => uow.run((tx) => tx.outbox.append(userRegistered(aggregate)));
}

async function writeAll(write: (aggregate: string) => Promise<void>): Promise<number> {
  const started = performance.now();
  let next = 0;
  await Promise.all(
    Array.from({ length: WRITERS }, async () => {
      while (next < EVENTS) {
        const i = next++;
        await write(`aggregate-${i % 1000}`);
      }
    }),
  );
  return performance.now() - started;
}

async function unpublished(db: Sql): Promise<number> {
  const [row] = await db<{ n: number }[]>`select count(*)::int as n from outbox where published_at is null`;
  return row?.n ?? 0;
}

async function latencies(db: Sql): Promise<string> {
  const [row] = await db<{ p50: number; p99: number; max: number }[]>`
    select percentile_cont(0.5) within group (order by ms) as p50,
           percentile_cont(0.99) within group (order by ms) as p99, max(ms) as max
    from (select extract(epoch from published_at - occurred_at) * 1000 as ms from outbox) t`;
  return `p50 ${Math.round(row?.p50 ?? 0)} ms, p99 ${Math.round(row?.p99 ?? 0)} ms, max ${Math.round(row?.max ?? 0)} ms`;
}

async function burst(db: Sql): Promise<Array<[string, string]>> {
  const b = await backbone(db);
  await b.start();
  let maxLag = 0;
  let sampling = true;
  const sampler = (async () => {
    while (sampling) {
      const [row] = await db<{ lag: number | null }[]>`
        select extract(epoch from now() - min(occurred_at))::float8 as lag
        from (select occurred_at from outbox where published_at is null order by seq limit 1) t`;
      maxLag = Math.max(maxLag, row?.lag ?? 0);
      await new Promise((r) => setTimeout(r, 50));
    }
  })();
  const started = performance.now();
  const writeMs = await writeAll(writer(db, b.wakeRelay));
  while ((await unpublished(db)) > 0) await new Promise((r) => setTimeout(r, 10));
  const totalMs = performance.now() - started;
  sampling = false;
  await sampler;
  const lat = await latencies(db);
  await b.stop();
  await db`truncate outbox`;
  return [
    ["burst: commits/s (one event per transaction)", `${Math.round((EVENTS / writeMs) * 1000)}`],
    ["burst: first commit to last event published", `${Math.round(totalMs)} ms`],
    ["burst: relay throughput while writing", `${Math.round((EVENTS / totalMs) * 1000)} events/s`],
    [
      "burst: max outbox lag (oldest unpublished age, sampled every 50 ms)",
      `${Math.round(maxLag * 1000)} ms`,
    ],
    ["burst: commit-to-publish latency per event", lat],
  ];
}

async function drain(db: Sql): Promise<Array<[string, string]>> {
  await writeAll(writer(db, () => {}));
  const b = await backbone(db);
  const started = performance.now();
  await b.start();
  while ((await unpublished(db)) > 0) await new Promise((r) => setTimeout(r, 10));
  const ms = performance.now() - started;
  await b.stop();
  return [
    [`drain: ${EVENTS} waiting events`, `${Math.round(ms)} ms`],
    ["drain: relay throughput", `${Math.round((EVENTS / ms) * 1000)} events/s`],
  ];
}
