// Report latency at size: GetSalesReport (monthly over a year, daily over 90 days, a category filter) and
// GetTopProducts on a database already seeded (`npm run seed`), while customers keep placing orders. The app
// runs in its own process; this process places the orders and times the reports over gRPC.
//
// Usage: node --import tsx bench/analytics-reports.ts --database-url postgres://.../seeded [--runs 10]
//        [--order-clients 4]
import { parseArgs } from "node:util";
import { timestampFromMs } from "@bufbuild/protobuf/wkt";
import { AnalyticsService, Bucket, Ranking } from "../gen/shopfloor/analytics/v1/analytics_pb.js";
import { CatalogService } from "../gen/shopfloor/catalog/v1/catalog_pb.js";
import { IdentityService } from "../gen/shopfloor/identity/v1/identity_pb.js";
import { OrderService } from "../gen/shopfloor/ordering/v1/ordering_pb.js";
import { bearer, clientFor, closeGrpcClients } from "../test/support/clients.js";
import { spawnApp, stopWithSigterm } from "../test/support/spawned-app.js";

const { values } = parseArgs({
  options: {
    "database-url": { type: "string" },
    runs: { type: "string", default: "10" },
    "order-clients": { type: "string", default: "4" },
  },
});
const databaseUrl = values["database-url"];
if (!databaseUrl) throw new Error("--database-url of a seeded database is required");
const runs = Number(values.runs);
const orderClients = Number(values["order-clients"]);

const ADMIN = { email: "bench-admin@example.com", password: "Bench-Admin-Passw0rd!" };
const app = await spawnApp({
  HOST: "127.0.0.1",
  HTTP_PORT: "0",
  GRPC_PORT: "0",
  LOG_LEVEL: "info",
  DATABASE_URL: databaseUrl,
  ADMIN_EMAIL: ADMIN.email,
  ADMIN_PASSWORD: ADMIN.password,
});
try {
  const identity = clientFor("connect", IdentityService, app);
  const admin = bearer((await identity.login({ login: ADMIN.email, password: ADMIN.password })).accessToken);
  const username = `bench_${Date.now()}`;
  await identity.register({ email: `${username}@example.com`, username, password: "bench password 1" });
  const customer = bearer(
    (await identity.login({ login: username, password: "bench password 1" })).accessToken,
  );
  const { products } = await clientFor("connect", CatalogService, app).listProducts(
    { pageSize: 100, orderBy: "price desc" },
    customer,
  );
  const inStock = products.filter((p) => p.stockQuantity > 50);
  const categoryId = inStock[0]?.categoryId ?? "";

  // Orders keep coming while the reports run.
  let placing = true;
  let placed = 0;
  const orders = clientFor("grpc", OrderService, app);
  const placers = Array.from({ length: orderClients }, async (_, c) => {
    for (let i = 0; placing; i++) {
      const product = inStock[(c * 7 + i) % inStock.length];
      if (!product) break;
      await orders.placeOrder({ items: [{ productId: product.id, quantity: 1 }] }, customer).then(
        () => placed++,
        () => {},
      );
    }
  });

  const analytics = clientFor("grpc", AnalyticsService, app);
  const now = Date.now();
  const DAY = 86_400_000;
  const scenarios: Array<[string, () => Promise<unknown>]> = [
    [
      "monthly over a year (Europe/Berlin)",
      () =>
        analytics.getSalesReport(
          {
            startTime: timestampFromMs(now - 365 * DAY),
            endTime: timestampFromMs(now),
            bucket: Bucket.MONTH,
            timeZone: "Europe/Berlin",
          },
          admin,
        ),
    ],
    [
      "daily over 90 days (America/New_York)",
      () =>
        analytics.getSalesReport(
          {
            startTime: timestampFromMs(now - 90 * DAY),
            endTime: timestampFromMs(now),
            bucket: Bucket.DAY,
            timeZone: "America/New_York",
          },
          admin,
        ),
    ],
    [
      "weekly over a year, one category",
      () =>
        analytics.getSalesReport(
          {
            startTime: timestampFromMs(now - 365 * DAY),
            endTime: timestampFromMs(now),
            bucket: Bucket.WEEK,
            categoryIds: [categoryId],
          },
          admin,
        ),
    ],
    [
      "top 10 products by revenue over a year",
      () =>
        analytics.getTopProducts(
          {
            startTime: timestampFromMs(now - 365 * DAY),
            endTime: timestampFromMs(now),
            ranking: Ranking.REVENUE,
          },
          admin,
        ),
    ],
  ];
  const started = Date.now();
  const placedBefore = placed;
  for (const [name, call] of scenarios) {
    await call(); // warm: plan cache, buffers
    const ms: number[] = [];
    for (let i = 0; i < runs; i++) {
      const t = performance.now();
      await call();
      ms.push(performance.now() - t);
    }
    ms.sort((a, b) => a - b);
    const at = (q: number) => (ms[Math.min(ms.length - 1, Math.floor(q * ms.length))] ?? 0).toFixed(0);
    process.stdout.write(
      `${name}: median ${at(0.5)} ms, p90 ${at(0.9)} ms, max ${at(1)} ms (${runs} runs)\n`,
    );
  }
  const seconds = (Date.now() - started) / 1000;
  process.stdout.write(
    `meanwhile ${placed - placedBefore} orders placed by ${orderClients} clients (${((placed - placedBefore) / seconds).toFixed(0)}/s)\n`,
  );
  placing = false;
  await Promise.all(placers);
} finally {
  closeGrpcClients();
  await stopWithSigterm(app.child);
}
