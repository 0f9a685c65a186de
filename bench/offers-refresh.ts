import { randomUUID } from "node:crypto";
import { loadConfig } from "../src/app/config.js";
import { startApp } from "../src/app/container.js";
import { REFRESH_NOW_JOB } from "../src/domain/offers/refresh-offers.js";
import { startSimulatorProcess } from "../test/support/offers-simulator.js";
import { createBenchDatabase } from "./bench-database.js";

// One refresh pass over N registered products against the Offers simulator running as its own process, on
// PostgreSQL: the time from asking for the pass to the last product's price point, and the app's heap.
//
//   node --import tsx bench/offers-refresh.ts [--products 5000] [--concurrency 8]
//
// PostgreSQL from DATABASE_URL (default the local server; a scratch database is created and dropped).

const args = new Map<string, string>();
for (let i = 2; i < process.argv.length; i += 2) args.set(process.argv[i] ?? "", process.argv[i + 1] ?? "");
const PRODUCTS = Number(args.get("--products") ?? 5000);
const CONCURRENCY = args.get("--concurrency") ?? "8";

const database = await createBenchDatabase();
const sim = await startSimulatorProcess();
const app = await startApp(
  loadConfig({
    HOST: "127.0.0.1",
    HTTP_PORT: "0",
    GRPC_PORT: "0",
    DATABASE_URL: database.url,
    LOG_LEVEL: "warn",
    OFFERS_BASE_URL: sim.url,
    OFFERS_REFRESH_TOKEN: sim.refreshToken,
    OFFERS_REFRESH_INTERVAL: "24h",
    OFFERS_REFRESH_CONCURRENCY: CONCURRENCY,
  }),
);
try {
  const { sql } = app;
  const [category] = await sql<{ id: string }[]>`
    insert into categories (id, slug, name, description, create_time)
    values (${randomUUID()}, 'bench', 'Bench', '', now()) returning id`;
  const ids = await sql<{ id: string }[]>`
    insert into products (id, category_id, name, description, price_minor, currency_code, stock_quantity,
                          create_time, update_time)
    select gen_random_uuid(), ${category?.id ?? ""}, 'Bench ' || i, '', 1000, 'EUR', 1, now(), now()
    from generate_series(1, ${PRODUCTS}) as i returning id`;
  await sql`
    insert into offer_registrations (product_id, state, attempts, register_time, update_time)
    select id, 'registered', 1, now(), now() from products`;
  for (let i = 0; i < ids.length; i += 1000) await sim.addProducts(ids.slice(i, i + 1000).map((r) => r.id));

  const baseline = process.memoryUsage().heapUsed;
  let peak = baseline;
  const sampler = setInterval(() => {
    peak = Math.max(peak, process.memoryUsage().heapUsed);
  }, 20);
  const started = performance.now();
  await app.jobs.schedule({ name: REFRESH_NOW_JOB, key: randomUUID(), runAt: new Date() });
  for (;;) {
    const [row] = await sql<{ n: number }[]>`select count(*)::int as n from offer_price_points`;
    if ((row?.n ?? 0) >= PRODUCTS) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  const seconds = (performance.now() - started) / 1000;
  clearInterval(sampler);
  const stats = await sim.stats();
  process.stdout.write(
    `${JSON.stringify({
      products: PRODUCTS,
      concurrency: Number(CONCURRENCY),
      seconds: Number(seconds.toFixed(2)),
      productsPerSecond: Math.round(PRODUCTS / seconds),
      heapGrowthMb: Number(((peak - baseline) / 1024 / 1024).toFixed(1)),
      offersCalls: stats.offers.answered,
      authIssued: stats.auth.issued,
    })}\n`,
  );
} finally {
  await app.stop();
  await sim.stop();
  await database.drop();
}
