// SubmitSale intake rate at N concurrent regional offices, and the lag until each purchase is readable.
// The app runs in its own process (src/app/main.ts, PostgreSQL + JetStream on a private nats-server, or the
// embedded default with --pglite); the offices are loops in this process, each with its own client-credentials
// token, submitting distinct sales over Connect JSON (or gRPC). The lag is measured from the database after the
// run: purchases.create_time - sale_intake.submit_time, both stamped by the app, for every sale accepted.
//
// Usage: node --import tsx bench/sales-intake.ts [--offices 32] [--seconds 10] [--surface connect|grpc] [--pglite]
import { parseArgs } from "node:util";
import { ConnectError } from "@connectrpc/connect";
import { IdentityService, Role } from "../gen/shopfloor/identity/v1/identity_pb.js";
import { ManufacturingService } from "../gen/shopfloor/manufacturing/v1/manufacturing_pb.js";
import { connectDatabase } from "../src/adapters/postgres/database.js";
import { bearer, clientFor, closeGrpcClients, type Surface } from "../test/support/clients.js";
import { startPrivateNatsServer } from "../test/support/nats-server.js";
import { spawnApp, stopWithSigterm } from "../test/support/spawned-app.js";
import { createBenchDatabase } from "./bench-database.js";

const { values } = parseArgs({
  options: {
    offices: { type: "string", default: "32" },
    seconds: { type: "string", default: "10" },
    surface: { type: "string", default: "connect" },
    pglite: { type: "boolean", default: false },
  },
});
const offices = Number(values.offices);
const seconds = Number(values.seconds);
const surface = values.surface as Surface;
if (values.pglite) throw new Error("--pglite: the lag query needs the database; run against PostgreSQL");

const ADMIN = { email: "bench-admin@example.com", password: "Bench-Admin-Passw0rd!" };
const database = await createBenchDatabase();
const nats = await startPrivateNatsServer();
const app = await spawnApp({
  HOST: "127.0.0.1",
  HTTP_PORT: "0",
  GRPC_PORT: "0",
  LOG_LEVEL: "info",
  DATABASE_URL: database.url,
  NATS_URL: nats.url,
  ADMIN_EMAIL: ADMIN.email,
  ADMIN_PASSWORD: ADMIN.password,
});

try {
  const identity = clientFor("connect", IdentityService, app);
  const adminCall = bearer(
    (await identity.login({ login: ADMIN.email, password: ADMIN.password })).accessToken,
  );
  const officeCalls = await Promise.all(
    Array.from({ length: offices }, async (_, i) => {
      const client = await identity.createPartnerClient(
        { name: `bench office ${i}`, role: Role.REGIONAL_OFFICE, officeCode: `BENCH-${i}` },
        adminCall,
      );
      const token = await identity.issueClientToken({
        clientId: client.clientId,
        clientSecret: client.clientSecret,
      });
      return bearer(token.accessToken);
    }),
  );
  const manufacturing = clientFor(surface, ManufacturingService, app);
  const models = ["Octavia", "Superb", "Kodiaq", "Fabia"];

  /** Runs `call` from every office's loop for `seconds`: its latencies, failures and elapsed seconds. */
  async function measure(call: (office: number, i: number) => Promise<unknown>) {
    const latencies: number[] = [];
    let failed = 0;
    const started = performance.now();
    const until = started + seconds * 1000;
    await Promise.all(
      officeCalls.map(async (_, office) => {
        for (let i = 0; performance.now() < until; i++) {
          const t = performance.now();
          try {
            await call(office, i);
            latencies.push(performance.now() - t);
          } catch (error) {
            failed++;
            if (failed === 1) process.stderr.write(`first failure: ${ConnectError.from(error).message}\n`);
          }
        }
      }),
    );
    latencies.sort((a, b) => a - b);
    return { latencies, failed, elapsed: (performance.now() - started) / 1000 };
  }
  const pct = (l: number[], p: number) => l[Math.min(l.length - 1, Math.floor((p / 100) * l.length))] ?? 0;
  const f = (n: number | undefined) => Number(n ?? 0).toFixed(1);
  const rate = (r: Awaited<ReturnType<typeof measure>>) => r.latencies.length / r.elapsed;
  const line = (name: string, r: Awaited<ReturnType<typeof measure>>) =>
    `${name.padEnd(22)}${rate(r).toFixed(0).padStart(6)}/s  p50 ${f(pct(r.latencies, 50))} ms  ` +
    `p95 ${f(pct(r.latencies, 95))} ms  p99 ${f(pct(r.latencies, 99))} ms  (${r.latencies.length} ok, ${r.failed} failed)\n`;

  // The limit beside the figure: the cheapest authenticated RPC with one read, through the same stack.
  const baseline = await measure((office) => manufacturing.listBrands({}, officeCalls[office]));
  const loadStart = Date.now();
  const intake = await measure((office, i) =>
    manufacturing.submitSale(
      {
        externalOrderNumber: `B${office}-${i}`,
        brand: "skoda",
        carModel: models[i % models.length] as string,
      },
      officeCalls[office],
    ),
  );

  // Every accepted sale becomes a purchase: wait for the last, then read the lag of each.
  const sql = connectDatabase(database.url, { max: 1 });
  const drainStart = performance.now();
  for (;;) {
    const [row] = await sql<{ pending: number }[]>`
      select count(*)::int as pending from sale_intake s where not exists (select 1 from purchases p where p.id = s.purchase_id)`;
    if (row?.pending === 0) break;
    if (performance.now() - drainStart > 120_000)
      throw new Error(`${row?.pending} sales still unwritten after 120 s`);
    await new Promise((r) => setTimeout(r, 50));
  }
  const drainMs = performance.now() - drainStart;
  const [lag] = await sql<{ n: number; p50: number; p95: number; p99: number; max: number }[]>`
    select count(*)::int as n,
      percentile_cont(0.5) within group (order by ms) as p50,
      percentile_cont(0.95) within group (order by ms) as p95,
      percentile_cont(0.99) within group (order by ms) as p99,
      max(ms) as max
    from (select extract(epoch from p.create_time - s.submit_time) * 1000 as ms
          from sale_intake s join purchases p on p.id = s.purchase_id) lags`;
  // Where the lag is spent: the outbox relay (commit -> on the bus) and how the intake batched its writes.
  const [relay] = await sql<{ p50: number; p95: number }[]>`
    select percentile_cont(0.5) within group (order by ms) as p50, percentile_cont(0.95) within group (order by ms) as p95
    from (select extract(epoch from published_at - occurred_at) * 1000 as ms from outbox
          where type = 'manufacturing.sale_submitted') lags`;
  const [batches] = await sql<{ n: number }[]>`select count(distinct create_time)::int as n from purchases`;
  await sql.end();

  const writtenPerSecond = (lag?.n ?? 0) / ((Date.now() - loadStart) / 1000);
  process.stdout.write(
    `PostgreSQL + JetStream, app in its own process, ${surface}, ${offices} offices, ${seconds} s each\n` +
      line("ListBrands (baseline)", baseline) +
      line("SubmitSale accepted", intake) +
      `intake / baseline     ${((rate(intake) / rate(baseline)) * 100).toFixed(0)}%\n` +
      `purchases written     ${writtenPerSecond.toFixed(0)}/s over the load and the drain, in ${batches?.n} write times\n` +
      `relay (commit -> bus) p50 ${f(relay?.p50)} ms  p95 ${f(relay?.p95)} ms\n` +
      `submit -> purchase    p50 ${f(lag?.p50)} ms  p95 ${f(lag?.p95)} ms  p99 ${f(lag?.p99)} ms  max ${f(lag?.max)} ms ` +
      `(${lag?.n} purchases; last written ${drainMs.toFixed(0)} ms after the load stopped)\n`,
  );
} finally {
  closeGrpcClients();
  await stopWithSigterm(app.child);
  await nats.dispose();
  await database.drop();
}
