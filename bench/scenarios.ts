import { uuidv7 } from "uuidv7";
import { encodeManufacturingEvent } from "../src/adapters/events/manufacturing-event-encoding.js";
import { connectDatabase } from "../src/adapters/postgres/database.js";
import { PostgresSalesSeedWriter } from "../src/adapters/postgres/postgres-sales-seed-writer.js";
import { Argon2PasswordHasher } from "../src/adapters/security/argon2-password-hasher.js";
import { seedSales } from "../src/app/seed-sales.js";
import type { LoadResult } from "./load/load-result.js";

/** What a scenario can use: the running app, the seeded data and the load processes. */
export interface BenchContext {
  readonly httpUrl: string;
  readonly grpcAddress: string;
  /** The canned connect-node server (read ceilings). */
  readonly cannedUrl: string;
  readonly databaseUrl: string;
  /** The app's private nats-server (JetStream). */
  readonly natsUrl: string;
  readonly poolSize: number;
  readonly connections: number;
  readonly warmupSeconds: number;
  readonly seconds: number;
  readonly productIds: readonly string[];
  readonly hotProductId: string;
  readonly categoryIds: readonly string[];
  readonly customers: ReadonlyArray<{ readonly id: string; readonly token: string; readonly login: string }>;
  readonly customerPassword: string;
  /** An access token of the app's admin (ADMIN_EMAIL), for what only an admin may call or create. */
  readonly adminToken: string;
  /** One order of each customer: [customer index, order id]. */
  readonly orders: ReadonlyArray<{ readonly customer: number; readonly orderId: string }>;
  /** Runs bench/load/<script>.ts with `input` in its own process. */
  runLoad(script: string, input: unknown): Promise<LoadResult>;
}

export interface ScenarioResult {
  readonly app: LoadResult;
  readonly limit: LoadResult;
  /**
   * app/limit by default (throughput); a latency scenario says otherwise (limit p99 / app p99, so 0.5 means
   * twice the latency of its limit).
   */
  readonly ratio?: number;
}

export interface Scenario {
  readonly name: string;
  /** What the app side does, for the table. */
  readonly app: string;
  /** What its limit is. */
  readonly limit: string;
  /**
   * Optional: data the scenario needs that takes long to write (sales-report's million lines), written before
   * the app's RSS and CPU sampling starts, so that an idle app during the seeding does not water down its CPU.
   */
  prepare?(ctx: BenchContext): Promise<void>;
  run(ctx: BenchContext): Promise<ScenarioResult>;
}

const pick = <T>(list: readonly T[]): T => list[Math.floor(Math.random() * list.length)] as T;
const VARIANTS = 5000;

/** `distinct`: a marker that connect-load replaces in each body by a number no other request carries. */
const connect = (
  ctx: BenchContext,
  url: string,
  path: string,
  requests: unknown,
  connections?: number,
  distinct?: string,
) =>
  ctx.runLoad("connect-load", {
    url,
    path,
    connections: connections ?? ctx.connections,
    warmupSeconds: ctx.warmupSeconds,
    seconds: ctx.seconds,
    requests,
    ...(distinct ? { distinct } : {}),
  });

const sqlOrderLimit = (ctx: BenchContext, productIds: readonly string[], linesPerOrder: number) =>
  ctx.runLoad("sql-order-limit", {
    databaseUrl: ctx.databaseUrl,
    poolSize: ctx.poolSize,
    connections: ctx.connections,
    warmupSeconds: ctx.warmupSeconds,
    seconds: ctx.seconds,
    productIds,
    linesPerOrder,
    customerIds: ctx.customers.map((c) => c.id),
  });

/** Bodies of PlaceOrder with `lines` distinct random products of `productIds`, each from a random customer. */
function placeOrderRequests(ctx: BenchContext, productIds: readonly string[], lines: number) {
  return Array.from({ length: productIds.length === 1 ? 50 : VARIANTS }, () => {
    const ids = new Set<string>();
    while (ids.size < lines) ids.add(pick(productIds));
    return {
      items: [...ids].map((productId) => ({ productId, quantity: 1 })),
      token: pick(ctx.customers).token,
    };
  });
}

const PLACE_ORDER = "/shopfloor.ordering.v1.OrderService/PlaceOrder";
const GET_PRODUCT = "/shopfloor.catalog.v1.CatalogService/GetProduct";
const LIST_PRODUCTS = "/shopfloor.catalog.v1.CatalogService/ListProducts";
const GET_ORDER = "/shopfloor.ordering.v1.OrderService/GetOrder";
const LOGIN = "/shopfloor.identity.v1.IdentityService/Login";
const CREATE_PARTNER_CLIENT = "/shopfloor.identity.v1.IdentityService/CreatePartnerClient";
const ISSUE_CLIENT_TOKEN = "/shopfloor.identity.v1.IdentityService/IssueClientToken";
const SUBMIT_SALE = "/shopfloor.manufacturing.v1.ManufacturingService/SubmitSale";
const GET_SALES_REPORT = "/shopfloor.analytics.v1.AnalyticsService/GetSalesReport";

const jsonRequests = (requests: ReadonlyArray<{ items: unknown; token: string }>) =>
  requests.map(({ items, token }) => ({ body: JSON.stringify({ items }), token }));

const getProductRequests = (ctx: BenchContext) =>
  Array.from({ length: VARIANTS }, () => ({
    body: JSON.stringify({ productId: pick(ctx.productIds) }),
    token: pick(ctx.customers).token,
  }));

/** The gRPC load needs binary bodies; bench.ts encodes them (see encodePlaceOrder there). */
export interface GrpcEncoders {
  placeOrder(items: unknown): string;
  getProduct(productId: string): string;
}

/**
 * Every scenario, in the order they run (`--only` keeps this order). To add one, push a Scenario here: seed
 * what it needs in its own run() (or prepare(), when the writing takes long enough to matter to the app's CPU
 * figure), drive the app with a load process (bench/load/), measure its limit with another, and return both.
 * submit-sale waits until the app has written every accepted sale as a purchase before it measures its limit
 * (JetStream acked publishes), so neither the limit nor the next scenario runs beside the app's backlog.
 * sales-report (GetSalesReport at 1,000,000 order lines against the report's own SQL) runs last: the lines it
 * seeds stay in the database, and no scenario after it should run on them.
 */
export function scenarios(encode: GrpcEncoders): Scenario[] {
  return [
    {
      name: "place-order",
      app: "PlaceOrder, 1 line, spread over 10,000 products (Connect JSON)",
      limit: "the same rows by one SQL statement (postgres.js, same pool and concurrency)",
      async run(ctx) {
        const requests = jsonRequests(placeOrderRequests(ctx, ctx.productIds, 1));
        return {
          app: await connect(ctx, ctx.httpUrl, PLACE_ORDER, requests),
          limit: await sqlOrderLimit(ctx, ctx.productIds, 1),
        };
      },
    },
    {
      name: "place-order-3",
      app: "PlaceOrder, 3 lines over random products",
      limit: "the single-statement order with 3 lines",
      async run(ctx) {
        const requests = jsonRequests(placeOrderRequests(ctx, ctx.productIds, 3));
        return {
          app: await connect(ctx, ctx.httpUrl, PLACE_ORDER, requests),
          limit: await sqlOrderLimit(ctx, ctx.productIds, 3),
        };
      },
    },
    {
      name: "place-order-hot",
      app: "PlaceOrder, 1 line, every order on one product",
      limit: "the single-statement order on one row",
      async run(ctx) {
        const requests = jsonRequests(placeOrderRequests(ctx, [ctx.hotProductId], 1));
        return {
          app: await connect(ctx, ctx.httpUrl, PLACE_ORDER, requests),
          limit: await sqlOrderLimit(ctx, [ctx.hotProductId], 1),
        };
      },
    },
    {
      name: "place-order-grpc",
      app: "as place-order, over gRPC (grpc-js client)",
      limit: "as place-order",
      async run(ctx) {
        const requests = placeOrderRequests(ctx, ctx.productIds, 1).map(({ items, token }) => ({
          body: encode.placeOrder(items),
          token,
        }));
        return {
          app: await ctx.runLoad("grpc-load", {
            address: ctx.grpcAddress,
            path: PLACE_ORDER,
            connections: ctx.connections,
            warmupSeconds: ctx.warmupSeconds,
            seconds: ctx.seconds,
            requests,
          }),
          limit: await sqlOrderLimit(ctx, ctx.productIds, 1),
        };
      },
    },
    {
      name: "get-product",
      app: "GetProduct of a random product, a customer's token",
      limit: "connect-node answering GetProduct with a canned product",
      async run(ctx) {
        const requests = getProductRequests(ctx);
        return {
          app: await connect(ctx, ctx.httpUrl, GET_PRODUCT, requests),
          limit: await connect(ctx, ctx.cannedUrl, GET_PRODUCT, requests),
        };
      },
    },
    {
      name: "get-product-grpc",
      app: "GetProduct over gRPC",
      limit: "as get-product (canned, Connect JSON): gRPC should be at least as fast",
      async run(ctx) {
        const requests = Array.from({ length: VARIANTS }, () => ({
          body: encode.getProduct(pick(ctx.productIds)),
          token: pick(ctx.customers).token,
        }));
        return {
          app: await ctx.runLoad("grpc-load", {
            address: ctx.grpcAddress,
            path: GET_PRODUCT,
            connections: ctx.connections,
            warmupSeconds: ctx.warmupSeconds,
            seconds: ctx.seconds,
            requests,
          }),
          limit: await connect(ctx, ctx.cannedUrl, GET_PRODUCT, getProductRequests(ctx)),
        };
      },
    },
    {
      name: "list-products",
      app: "ListProducts, 20 items, a category sorted by price",
      limit: "connect-node answering with a canned page of 20",
      async run(ctx) {
        const requests = Array.from({ length: VARIANTS }, () => ({
          body: JSON.stringify({ categoryId: pick(ctx.categoryIds), pageSize: 20, orderBy: "price" }),
          token: pick(ctx.customers).token,
        }));
        return {
          app: await connect(ctx, ctx.httpUrl, LIST_PRODUCTS, requests),
          limit: await connect(ctx, ctx.cannedUrl, LIST_PRODUCTS, requests),
        };
      },
    },
    {
      name: "get-order",
      app: "GetOrder of the customer's own order",
      limit: "connect-node answering with a canned order",
      async run(ctx) {
        const requests = ctx.orders.map(({ customer, orderId }) => ({
          body: JSON.stringify({ orderId }),
          token: ctx.customers[customer]?.token ?? "",
        }));
        return {
          app: await connect(ctx, ctx.httpUrl, GET_ORDER, requests),
          limit: await connect(ctx, ctx.cannedUrl, GET_ORDER, requests),
        };
      },
    },
    {
      name: "login",
      app: "Login with the correct password",
      limit: "argon2 verifies per second, same parameters and thread pool",
      async run(ctx) {
        const requests = loginRequests(ctx);
        return {
          app: await connect(ctx, ctx.httpUrl, LOGIN, requests),
          limit: await ctx.runLoad("argon2-limit", {
            connections: ctx.connections,
            warmupSeconds: ctx.warmupSeconds,
            seconds: ctx.seconds,
          }),
        };
      },
    },
    {
      name: "login-burst-reads",
      app: "GetProduct p99 (16 clients) while 16 clients log in",
      limit: "GetProduct p99 alone (16 clients); ratio = p99 alone / p99 during the burst",
      async run(ctx) {
        const reads = getProductRequests(ctx);
        const alone = await connect(ctx, ctx.httpUrl, GET_PRODUCT, reads, 16);
        const [during] = await Promise.all([
          connect(ctx, ctx.httpUrl, GET_PRODUCT, reads, 16),
          connect(ctx, ctx.httpUrl, LOGIN, loginRequests(ctx), 16),
        ]);
        return { app: during, limit: alone, ratio: during.p99Ms > 0 ? alone.p99Ms / during.p99Ms : 0 };
      },
    },
    {
      name: "submit-sale",
      app: `SubmitSale of distinct sales by ${OFFICES} regional offices (client-credentials tokens)`,
      limit:
        "JetStream acked publishes of the sale's event (its size, headers, Nats-Msg-Id), as many in flight",
      async run(ctx) {
        const offices = await regionalOffices(ctx, OFFICES);
        const run = Date.now().toString(36);
        const numberOf = (n: string) => `bench-${run}-${n}`;
        const requests = offices.flatMap(({ token }) =>
          SKODA_MODELS.map((carModel) => ({
            body: JSON.stringify({ externalOrderNumber: numberOf(SEQUENCE), brand: "skoda", carModel }),
            token,
          })),
        );
        const app = await connect(ctx, ctx.httpUrl, SUBMIT_SALE, requests, undefined, SEQUENCE);
        await waitForPurchases(ctx);
        // A sale of this run, numbered as the app's were (some thousands of them).
        const event = saleEventOf(offices[0]?.officeCode ?? "", numberOf("12345"));
        const limit = await ctx.runLoad("jetstream-publish-limit", {
          natsUrl: ctx.natsUrl,
          connections: ctx.connections,
          warmupSeconds: ctx.warmupSeconds,
          seconds: ctx.seconds,
          payloadBytes: event.payload.length,
          eventType: "manufacturing.sale_submitted",
          payloadType: event.payloadType,
        });
        return { app, limit };
      },
    },
    {
      name: "sales-report",
      app: `GetSalesReport at 1,000,000 lines, monthly over a year and daily over 90 days (${REPORT_CONNECTIONS} clients)`,
      limit:
        "the report's SQL statement straight at PostgreSQL (postgres.js); ratio = its p99 / the app's p99",
      prepare: (ctx) => seedMillionLines(ctx),
      async run(ctx) {
        const now = Date.now();
        const reports = [
          { days: 365, bucket: "BUCKET_MONTH", unit: "month", timeZone: "Europe/Berlin" },
          { days: 90, bucket: "BUCKET_DAY", unit: "day", timeZone: "America/New_York" },
        ].map((r) => ({ ...r, startMs: now - r.days * DAY_MS, endMs: now }));
        const requests = reports.map((r) => ({
          body: JSON.stringify({
            startTime: new Date(r.startMs).toISOString(),
            endTime: new Date(r.endMs).toISOString(),
            bucket: r.bucket,
            timeZone: r.timeZone,
          }),
          token: ctx.adminToken,
        }));
        // What the app answers is what the limit's copy of the statement must sum to (sql-report-limit.ts).
        const expected = await Promise.all(
          requests.map(async (request) => {
            const report = await callJson<{ totalOrderCount?: string; totalUnits?: string }>(
              ctx,
              GET_SALES_REPORT,
              request.body,
              request.token,
            );
            return { orders: Number(report.totalOrderCount ?? 0), units: Number(report.totalUnits ?? 0) };
          }),
        );
        const app = await connect(ctx, ctx.httpUrl, GET_SALES_REPORT, requests, REPORT_CONNECTIONS);
        const limit = await ctx.runLoad("sql-report-limit", {
          databaseUrl: ctx.databaseUrl,
          poolSize: ctx.poolSize,
          connections: REPORT_CONNECTIONS,
          warmupSeconds: ctx.warmupSeconds,
          seconds: ctx.seconds,
          reports: reports.map((r, i) => ({
            startMs: r.startMs,
            endMs: r.endMs,
            unit: r.unit,
            timeZone: r.timeZone,
            expected: expected[i],
          })),
        });
        return { app, limit, ratio: app.p99Ms > 0 ? limit.p99Ms / app.p99Ms : 0 };
      },
    },
  ];
}

const loginRequests = (ctx: BenchContext) =>
  ctx.customers.map((c) => ({
    body: JSON.stringify({ login: c.login, password: ctx.customerPassword }),
    token: "",
  }));

const DAY_MS = 86_400_000;
const OFFICES = 8;
const SKODA_MODELS = ["Fabia", "Scala", "Octavia", "Superb", "Kamiq", "Karoq", "Kodiaq", "Enyaq", "Elroq"];
/** Replaced by connect-load with a number of its own in every SubmitSale body: each sale is a new one. */
const SEQUENCE = "{sequence}";
const REPORT_CONNECTIONS = 4;

/** A unary Connect JSON call to the app (what a scenario needs to set itself up). */
async function callJson<T>(ctx: BenchContext, path: string, body: string, token: string): Promise<T> {
  const response = await fetch(`${ctx.httpUrl}${path}`, {
    method: "POST",
    headers: { "content-type": "application/json", authorization: `Bearer ${token}` },
    body,
  });
  const text = await response.text();
  if (!response.ok) throw new Error(`${path} answered ${response.status}: ${text}`);
  return JSON.parse(text) as T;
}

/** `count` partner clients with role REGIONAL_OFFICE, each with its client-credentials access token. */
async function regionalOffices(ctx: BenchContext, count: number) {
  const tag = Date.now().toString(36).toUpperCase();
  return Promise.all(
    Array.from({ length: count }, async (_, i) => {
      const officeCode = `BENCH-${tag}-${i}`;
      const client = await callJson<{ clientId: string; clientSecret: string }>(
        ctx,
        CREATE_PARTNER_CLIENT,
        JSON.stringify({ name: `bench office ${i}`, role: "ROLE_REGIONAL_OFFICE", officeCode }),
        ctx.adminToken,
      );
      const { accessToken } = await callJson<{ accessToken: string }>(
        ctx,
        ISSUE_CLIENT_TOKEN,
        JSON.stringify({ clientId: client.clientId, clientSecret: client.clientSecret }),
        "",
      );
      return { officeCode, token: accessToken };
    }),
  );
}

/** The encoded manufacturing.sale_submitted event of a sale, as the outbox holds it for the relay. */
function saleEventOf(officeCode: string, externalOrderNumber: string) {
  const now = new Date();
  return encodeManufacturingEvent({
    id: uuidv7(),
    type: "manufacturing.sale_submitted",
    aggregateId: uuidv7(),
    occurredAt: now,
    payload: {
      sale: {
        purchaseId: uuidv7(),
        officeCode,
        externalOrderNumber,
        brand: "skoda",
        carModel: "Octavia",
        submittedBy: uuidv7(),
        submitTime: now,
      },
    },
  });
}

/**
 * Waits until every sale the app accepted is written as a purchase and every event is on the bus, and says
 * how long that took after the load stopped.
 */
async function waitForPurchases(ctx: BenchContext): Promise<void> {
  const sql = connectDatabase(ctx.databaseUrl, { max: 1 });
  const started = performance.now();
  try {
    for (;;) {
      const [row] = await sql<{ sales: number; unwritten: number; unpublished: number }[]>`
        select (select count(*) from sale_intake)::int as sales,
               (select count(*) from sale_intake where not written)::int as unwritten,
               (select count(*) from outbox where published_at is null)::int as unpublished`;
      if (row?.unwritten === 0 && row.unpublished === 0) {
        process.stderr.write(
          `  (${row.sales} sales written as purchases ${((performance.now() - started) / 1000).toFixed(1)} s after the load)\n`,
        );
        return;
      }
      if (performance.now() - started > 180_000)
        throw new Error(
          `${row?.unwritten} sales unwritten, ${row?.unpublished} events unpublished after 180 s`,
        );
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  } finally {
    await sql.end({ timeout: 5 });
  }
}

/**
 * About 1,000,000 order lines (480,000 orders over the last 365 days, 200 products, 5,000 customers) written by
 * `npm run seed`'s own code (seedSales through PostgresSalesSeedWriter), so the rollups are filled by the
 * triggers of migration 010 as the seed always fills them. Two seeds of half a year each run side by side on
 * two connections: their days do not overlap, so they never add to the same rollup rows (two seeds of the same
 * days could deadlock, docs/analytics.md), and together they take about a quarter less time than one (one
 * measurement each on 2 shared cores at load 4: 65 s against 85 s). Then a VACUUM ANALYZE, so that the planner
 * knows the tables and autovacuum does not wake up in the middle of the measurement.
 */
async function seedMillionLines(ctx: BenchContext): Promise<void> {
  const started = performance.now();
  const passwords = await Argon2PasswordHasher.create();
  const today = new Date();
  const until = Date.UTC(today.getUTCFullYear(), today.getUTCMonth(), today.getUTCDate());
  const parts = [
    { seed: 1, days: 183, until },
    { seed: 2, days: 182, until: until - 183 * DAY_MS },
  ];
  const summaries = await Promise.all(
    parts.map(async (part) => {
      const sql = connectDatabase(ctx.databaseUrl, { max: 1 });
      try {
        return await seedSales(
          new PostgresSalesSeedWriter(sql),
          passwords,
          {
            orders: Math.round((480_000 * part.days) / 365),
            customers: 2_500,
            products: 100,
            days: part.days,
            seed: part.seed,
            until: new Date(part.until),
            currencyCode: "EUR",
          },
          { start() {}, advance() {}, stop() {} },
        );
      } finally {
        await sql.end({ timeout: 5 });
      }
    }),
  );
  const seeded = performance.now();
  const sql = connectDatabase(ctx.databaseUrl, { max: 1 });
  try {
    await sql`vacuum analyze orders, order_items, order_status_changes, sales_slots, product_sales_days`;
  } finally {
    await sql.end({ timeout: 5 });
  }
  const lines = summaries.reduce((sum, s) => sum + s.lines, 0);
  const orders = summaries.reduce((sum, s) => sum + s.orders, 0);
  process.stderr.write(
    `  (seeded ${orders} orders with ${lines} lines in ${((seeded - started) / 1000).toFixed(1)} s, ` +
      `vacuum analyze ${((performance.now() - seeded) / 1000).toFixed(1)} s)\n`,
  );
}
