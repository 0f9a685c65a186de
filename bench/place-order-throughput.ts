// PlaceOrder throughput with many concurrent clients, on orders spread over many products and on one hot
// product; then GetOrder and GetProduct against the cost of their database read, which is what a read
// cache could save. Runs a fresh app (PostgreSQL, with JetStream when NATS_URL is set; PGlite with --pglite)
// in this process, driven over real sockets.
//
// Usage: node --import tsx bench/place-order-throughput.ts [--pglite] [--clients 32] [--seconds 10]
//        [--products 200] [--surface connect|grpc]
import { parseArgs } from "node:util";
import { ConnectError } from "@connectrpc/connect";
import { CatalogService } from "../gen/shopfloor/catalog/v1/catalog_pb.js";
import { IdentityService } from "../gen/shopfloor/identity/v1/identity_pb.js";
import { OrderService } from "../gen/shopfloor/ordering/v1/ordering_pb.js";
import { connectDatabase } from "../src/adapters/postgres/database.js";
import { PostgresOrderRepository } from "../src/adapters/postgres/postgres-order-repository.js";
import { PostgresProductRepository } from "../src/adapters/postgres/postgres-product-repository.js";
import { loadConfig } from "../src/app/config.js";
import { startApp } from "../src/app/container.js";
import { bearer, clientFor, closeGrpcClients, type Surface } from "../test/support/clients.js";
import { createBenchDatabase } from "./bench-database.js";

const { values } = parseArgs({
  options: {
    pglite: { type: "boolean", default: false },
    clients: { type: "string", default: "32" },
    seconds: { type: "string", default: "10" },
    products: { type: "string", default: "200" },
    surface: { type: "string", default: "connect" },
  },
});
const clients = Number(values.clients);
const seconds = Number(values.seconds);
const productCount = Number(values.products);
const surface = values.surface as Surface;

const benchDatabase = values.pglite ? undefined : await createBenchDatabase();
const databaseUrl = benchDatabase?.url;
const ADMIN = { email: "bench-admin@example.com", password: "Bench-Admin-Passw0rd!" };
const app = await startApp(
  loadConfig({
    HOST: "127.0.0.1",
    HTTP_PORT: "0",
    GRPC_PORT: "0",
    LOG_LEVEL: "silent",
    ADMIN_EMAIL: ADMIN.email,
    ADMIN_PASSWORD: ADMIN.password,
    ORDER_AUTO_ADVANCE: "off",
    // Every client calls from one loopback address: the budgets still run on every call (what they cost is
    // part of the figure), but never refuse.
    RATE_LIMIT_PER_ADDRESS: "1000000000",
    RATE_LIMIT_PER_ACCOUNT: "1000000000",
    REGISTER_MAX_PER_ADDRESS: "1000000",
    ...(databaseUrl
      ? { DATABASE_URL: databaseUrl, NATS_URL: values.pglite ? "" : (process.env.NATS_URL ?? "") }
      : { SHOPFLOOR_DATA_DIR: ":memory:" }),
  }),
);

const identity = clientFor("connect", IdentityService, app);
const adminCall = bearer(
  (await identity.login({ login: ADMIN.email, password: ADMIN.password })).accessToken,
);
const catalog = clientFor("connect", CatalogService, app);
const { category } = await catalog.createCategory(
  { slug: "bench", name: "Bench", description: "" },
  adminCall,
);
const products: string[] = [];
for (let i = 0; i < productCount; i++) {
  const { product } = await catalog.createProduct(
    {
      name: `Bench product ${i}`,
      description: "",
      categoryId: category?.id ?? "",
      price: { currencyCode: "EUR", amountMinor: 100n + BigInt(i) },
      initialStock: 1_000_000,
    },
    adminCall,
  );
  products.push(product?.id ?? "");
}
const customers = await Promise.all(
  Array.from({ length: clients }, async (_, i) => {
    const username = `bench_${i}`;
    await identity.register({ email: `${username}@example.com`, username, password: "bench-password-1" });
    return bearer((await identity.login({ login: username, password: "bench-password-1" })).accessToken);
  }),
);

interface Result {
  readonly ok: number;
  readonly failed: number;
  readonly perSecond: number;
  readonly p50: number;
  readonly p95: number;
  readonly p99: number;
}

/** Runs `call` from `clients` concurrent loops for `seconds`; each loop is one client. */
async function measure(call: (client: number, i: number) => Promise<unknown>): Promise<Result> {
  const latencies: number[] = [];
  let failed = 0;
  const started = performance.now();
  const until = started + seconds * 1000;
  await Promise.all(
    Array.from({ length: clients }, async (_, client) => {
      for (let i = 0; performance.now() < until; i++) {
        const t = performance.now();
        try {
          await call(client, i);
          latencies.push(performance.now() - t);
        } catch (error) {
          failed++;
          if (failed === 1) process.stderr.write(`first failure: ${ConnectError.from(error).message}\n`);
        }
      }
    }),
  );
  const elapsed = (performance.now() - started) / 1000;
  latencies.sort((a, b) => a - b);
  const pct = (p: number) =>
    latencies[Math.min(latencies.length - 1, Math.floor((p / 100) * latencies.length))] ?? 0;
  return {
    ok: latencies.length,
    failed,
    perSecond: latencies.length / elapsed,
    p50: pct(50),
    p95: pct(95),
    p99: pct(99),
  };
}

const report = (name: string, r: Result) =>
  process.stdout.write(
    `${name.padEnd(44)} ${r.perSecond.toFixed(0).padStart(6)}/s  p50 ${r.p50.toFixed(1).padStart(6)} ms  ` +
      `p95 ${r.p95.toFixed(1).padStart(6)} ms  p99 ${r.p99.toFixed(1).padStart(6)} ms  (${r.ok} ok, ${r.failed} failed)\n`,
  );

const orders = clientFor(surface, OrderService, app);
const placed: string[] = [];
const setup = `${values.pglite ? "PGlite + in-process bus" : `PostgreSQL + ${process.env.NATS_URL ? "JetStream" : "in-process bus"}`}, ${surface}, ${clients} clients, ${seconds} s each`;
process.stdout.write(`${setup}\n`);

report(
  `PlaceOrder spread over ${productCount} products`,
  await measure(async (client, i) => {
    const productId = products[(client * 7919 + i * 104_729) % products.length] as string;
    const { order } = await orders.placeOrder({ items: [{ productId, quantity: 1 }] }, customers[client]);
    if (placed.length < 1000) placed.push(order?.id ?? "");
  }),
);
report(
  "PlaceOrder on one hot product",
  await measure((client) =>
    orders.placeOrder({ items: [{ productId: products[0] as string, quantity: 1 }] }, customers[client]),
  ),
);
report(
  "PlaceOrder, 3 lines over the hot 3 products",
  await measure((client, i) =>
    orders.placeOrder(
      { items: [0, 1, 2].map((k) => ({ productId: products[(k + i) % 3] as string, quantity: 1 })) },
      customers[client],
    ),
  ),
);

// Reads: the RPC end to end, and its database read alone through the same adapter and an equal pool.
report(
  "GetOrder (RPC)",
  await measure((_, i) => orders.getOrder({ orderId: placed[i % placed.length] as string }, adminCall)),
);
report(
  "GetProduct (RPC)",
  await measure((_, i) =>
    catalog.getProduct({ productId: products[i % products.length] as string }, adminCall),
  ),
);
const pool = databaseUrl ? connectDatabase(databaseUrl, { max: 10 }) : undefined;
if (pool) {
  const orderRepository = new PostgresOrderRepository(pool);
  const productRepository = new PostgresProductRepository(pool);
  report(
    "  its read alone: OrderRepository.findById",
    await measure((_, i) => orderRepository.findById(placed[i % placed.length] as string)),
  );
  report(
    "  its read alone: ProductRepository.findById",
    await measure((_, i) => productRepository.findById(products[i % products.length] as string)),
  );
}

closeGrpcClients();
await pool?.end();
await app.stop();
await benchDatabase?.drop();
process.exit(0);
