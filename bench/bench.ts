// `npm run bench`: every hot path against its limit, side by side in one run. Starts the app (built as
// `npm start` builds it) in its own process on the local PostgreSQL (a fresh database of 10,000 products) and
// a private JetStream, drives it from other processes (autocannon for Connect JSON, grpc-js for gRPC), samples
// the app's RSS and CPU, and measures each scenario's limit in the same run. Prints a table and writes
// bench/results/<date>-<commit>.json and latest.json (quick or --only runs: bench/results/partial/).
//
//   npm run bench [-- --quick] [-- --only place-order,get-product] [-- --profile] [-- --env KEY=VALUE]
//
// --quick: 1 s warm-up + 3 s per side instead of 2 s + 10 s. --profile: the app runs with --cpu-prof and
// writes its profile to bench/results/profiles/ when it stops (open it in Chrome DevTools).
import { execFileSync } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import { cpus, loadavg, totalmem } from "node:os";
import { parseArgs } from "node:util";
import { create, toBinary, toJson } from "@bufbuild/protobuf";
import { createClient } from "@connectrpc/connect";
import { createConnectTransport } from "@connectrpc/connect-node";
import {
  CatalogService,
  GetProductRequestSchema,
  GetProductResponseSchema,
  ListProductsResponseSchema,
} from "../gen/shopfloor/catalog/v1/catalog_pb.js";
import { IdentityService } from "../gen/shopfloor/identity/v1/identity_pb.js";
import {
  GetOrderResponseSchema,
  OrderService,
  PlaceOrderRequestSchema,
} from "../gen/shopfloor/ordering/v1/ordering_pb.js";
import { connectDatabase } from "../src/adapters/postgres/database.js";
import { startPrivateNatsServer } from "../test/support/nats-server.js";
import { createBenchDatabase } from "./bench-database.js";
import {
  buildApp,
  cpuSecondsOf,
  ProcessSampler,
  postgresCpuSeconds,
  runLoad,
  startProcess,
  stopProcess,
} from "./bench-processes.js";
import type { LoadResult, ProcessCores } from "./load/load-result.js";
import { type BenchContext, scenarios } from "./scenarios.js";

const { values } = parseArgs({
  options: {
    quick: { type: "boolean", default: false },
    only: { type: "string" },
    profile: { type: "boolean", default: false },
    connections: { type: "string", default: "32" },
    /** KEY=VALUE added to the app's environment (repeatable), to compare settings. */
    env: { type: "string", multiple: true, default: [] },
  },
});
const extraEnv = Object.fromEntries(
  (values.env ?? []).map((pair) => [pair.slice(0, pair.indexOf("=")), pair.slice(pair.indexOf("=") + 1)]),
);
const only = values.only?.split(",").map((s) => s.trim());
const POOL_SIZE = 10;
const PRODUCTS = 10_000;
const CATEGORIES = 10;
const CUSTOMERS = 8;
const HISTORY_ORDERS = 50_000;
const PASSWORD = "bench-password-1";
const ADMIN = { email: "bench-admin@example.com", password: "Bench-Admin-Passw0rd!" };

const encoders = {
  placeOrder: (items: unknown) =>
    Buffer.from(
      toBinary(PlaceOrderRequestSchema, create(PlaceOrderRequestSchema, { items } as never)),
    ).toString("base64"),
  getProduct: (productId: string) =>
    Buffer.from(toBinary(GetProductRequestSchema, create(GetProductRequestSchema, { productId }))).toString(
      "base64",
    ),
};
const all = scenarios(encoders);
const chosen = only ? all.filter((s) => only.includes(s.name)) : all;
if (only && chosen.length !== only.length) {
  process.stderr.write(`unknown scenario; known: ${all.map((s) => s.name).join(", ")}\n`);
  process.exit(2);
}

buildApp();
const database = await createBenchDatabase();
const nats = await startPrivateNatsServer();
const profileDir = "bench/results/profiles";
if (values.profile) mkdirSync(profileDir, { recursive: true });
const app = await startProcess(
  [
    ...(values.profile ? ["--cpu-prof", `--cpu-prof-dir=${profileDir}`] : []),
    "--enable-source-maps",
    "dist/main.js",
  ],
  {
    PATH: process.env.PATH ?? "",
    HOME: process.env.HOME ?? "",
    DATABASE_URL: database.url,
    DATABASE_POOL_SIZE: String(POOL_SIZE),
    NATS_URL: nats.url,
    HOST: "127.0.0.1",
    HTTP_PORT: "0",
    GRPC_PORT: "0",
    LOG_LEVEL: "info",
    ACCESS_TOKEN_TTL: "2h",
    ADMIN_EMAIL: ADMIN.email,
    ADMIN_PASSWORD: ADMIN.password,
    LOGIN_MAX_FAILURES_PER_ACCOUNT: "1000000",
    LOGIN_MAX_FAILURES_PER_ADDRESS: "1000000",
    LOGIN_MAX_FAILURES_PER_ACCOUNT_AND_ADDRESS: "1000000",
    // The load comes from one address and a few accounts: the general budgets still run on every call, they
    // only never refuse (their cost is part of what is measured).
    RATE_LIMIT_PER_ADDRESS: "1000000000",
    RATE_LIMIT_PER_ACCOUNT: "1000000000",
    REGISTER_MAX_PER_ADDRESS: "1000000",
    REGISTER_MAX_TOTAL: "1000000",
    ORDER_AUTO_ADVANCE: "off",
    DEMO_DATA: "false",
    // As `npm start` and the Dockerfile run it (argon2's buffers go back to the system after each hash).
    MALLOC_MMAP_THRESHOLD_: "131072",
    ...extraEnv,
  },
  (line) => line.includes('"shopfloor ready"'),
);
const ready = JSON.parse(app.readyLine) as { http: string; grpc: string };
const sampler = new ProcessSampler(app.child.pid ?? 0);
let canned: Awaited<ReturnType<typeof startProcess>> | undefined;

/**
 * Runs a load process and adds what each process used meanwhile: on two cores shared by the load, the app
 * (or the canned server) and PostgreSQL, a side's throughput is bounded by the CPU all three spend per
 * request, so these figures say where a ratio's gap is (the wall time includes the load's ~1 s start-up).
 */
async function measuredRunLoad(script: string, input: unknown): Promise<LoadResult> {
  const appPid = app.child.pid ?? 0;
  const cannedPid = canned?.child.pid ?? 0;
  const before = {
    app: cpuSecondsOf(appPid),
    postgres: postgresCpuSeconds(),
    canned: cannedPid ? cpuSecondsOf(cannedPid) : 0,
    at: performance.now(),
  };
  const result = await runLoad(script, input);
  const seconds = (performance.now() - before.at) / 1000;
  const cores = (now: number, then: number) => Math.round(((now - then) / seconds) * 100) / 100;
  const used: ProcessCores = {
    load: result.loadCores ?? 0,
    app: cores(cpuSecondsOf(appPid), before.app),
    postgres: cores(postgresCpuSeconds(), before.postgres),
    canned: cannedPid ? cores(cpuSecondsOf(cannedPid), before.canned) : 0,
  };
  return { ...result, cores: used };
}

try {
  const ctx = await seed(ready.http, ready.grpc);
  canned = await startCanned(ctx);
  const context: BenchContext = { ...ctx, cannedUrl: canned.readyLine.trim() };
  const rows: Row[] = [];
  for (const scenario of chosen) {
    process.stderr.write(`${scenario.name} ...\n`);
    await scenario.prepare?.(context);
    sampler.start();
    const result = await scenario.run(context);
    const { peakRssMb, cpuPercent } = sampler.stop();
    const ratio = result.ratio ?? (result.limit.rps > 0 ? result.app.rps / result.limit.rps : 0);
    rows.push({
      name: scenario.name,
      app_rps: Math.round(result.app.rps),
      limit_rps: Math.round(result.limit.rps),
      ratio: Math.round(ratio * 100) / 100,
      p50_ms: round1(result.app.p50Ms),
      p99_ms: round1(result.app.p99Ms),
      limit_p50_ms: round1(result.limit.p50Ms),
      limit_p99_ms: round1(result.limit.p99Ms),
      errors: result.app.errors,
      peak_rss_mb: peakRssMb,
      app_cpu_percent: cpuPercent,
      app_side_cores: result.app.cores,
      limit_side_cores: result.limit.cores,
      app: scenario.app,
      limit: scenario.limit,
    });
    process.stderr.write(`  ${JSON.stringify(rows.at(-1))}\n`);
  }
  report(rows, sampler.rssMb());
} finally {
  if (canned) await stopProcess(canned.child);
  await stopProcess(app.child);
  await nats.dispose();
  await database.drop();
}
process.exit(0);

interface Row {
  name: string;
  app_rps: number;
  limit_rps: number;
  ratio: number;
  p50_ms: number;
  p99_ms: number;
  limit_p50_ms: number;
  limit_p99_ms: number;
  errors: number;
  peak_rss_mb: number;
  app_cpu_percent: number;
  /** Cores used by each process while the app side ran, and while the limit side ran. */
  app_side_cores: ProcessCores | undefined;
  limit_side_cores: ProcessCores | undefined;
  app: string;
  limit: string;
}

/** Server-side CPU per request (ms): the app or canned server plus PostgreSQL, over the requests served. */
function serverMsPerRequest(cores: ProcessCores | undefined, rps: number): string {
  if (!cores || rps <= 0) return "";
  return (((cores.app + cores.canned + cores.postgres) * 1000) / rps).toFixed(2);
}

function coresText(c: ProcessCores | undefined, server: "app" | "canned"): string {
  return c ? `${c[server].toFixed(2)} / ${c.postgres.toFixed(2)} / ${c.load.toFixed(2)}` : "";
}

function round1(n: number): number {
  return Math.round(n * 10) / 10;
}

/**
 * Categories and products straight into the database (one statement each), customers and orders by RPC, and a
 * session of the admin the app creates at start (ADMIN_EMAIL).
 */
async function seed(httpUrl: string, grpcAddress: string): Promise<Omit<BenchContext, "cannedUrl">> {
  const sql = connectDatabase(database.url, { max: 2 });
  const categoryIds = (
    await sql<{ id: string }[]>`
      insert into categories (id, slug, name, description, create_time)
      select gen_random_uuid(), 'bench-' || i, 'Bench category ' || i, 'Products of bench category ' || i, now()
      from generate_series(1, ${CATEGORIES}) i
      returning id`
  ).map((r) => r.id);
  const productIds = (
    await sql<{ id: string }[]>`
      insert into products (id, category_id, name, description, price_minor, currency_code, stock_quantity,
                            archived, create_time, update_time)
      select gen_random_uuid(), (${categoryIds}::uuid[])[1 + i % ${CATEGORIES}], 'Bench product ' || i,
             'A product of the bench, number ' || i || ', with a description of an ordinary length.',
             100 + i, 'EUR', 100000000, false, now(), now()
      from generate_series(1, ${PRODUCTS - 1}) i
      returning id`
  ).map((r) => r.id);
  const [hot] = await sql<{ id: string }[]>`
    insert into products (id, category_id, name, description, price_minor, currency_code, stock_quantity,
                          archived, create_time, update_time)
    values (gen_random_uuid(), ${categoryIds[0] ?? ""}, 'Hot product', 'Everyone orders this one.', 999, 'EUR',
            1000000000, false, now(), now())
    returning id`;
  await sql`analyze`;
  await sql.end();

  const transport = createConnectTransport({ baseUrl: httpUrl, httpVersion: "1.1" });
  const identity = createClient(IdentityService, transport);
  const ordering = createClient(OrderService, transport);
  const customers = await Promise.all(
    Array.from({ length: CUSTOMERS }, async (_, i) => {
      const login = `bench_${i}`;
      await identity.register({ email: `${login}@example.com`, username: login, password: PASSWORD });
      const session = await identity.login({ login, password: PASSWORD });
      return { id: session.user?.id ?? "", token: session.accessToken, login };
    }),
  );
  const admin = await identity.login({ login: ADMIN.email, password: ADMIN.password });
  const orders = await Promise.all(
    customers.map(async (c, customer) => {
      const { order } = await ordering.placeOrder(
        { items: [{ productId: productIds[customer] ?? "", quantity: 1 }] },
        { headers: { authorization: `Bearer ${c.token}` } },
      );
      return { customer, orderId: order?.id ?? "" };
    }),
  );
  // A shop's history: 50,000 delivered orders of one line each over the last 30 days, then statistics. A
  // database measured while its order tables are near empty runs on plans made for near-empty tables: the
  // app's sessions (opened at start) cached sequential scans of `orders` in the foreign-key checks of every
  // order line and in the analytics trigger, which then cost more with every order placed (PostgreSQL's CPU
  // per order grew fourfold within a minute of load), while a limit's new sessions planned afresh.
  const history = connectDatabase(database.url, { max: 1 });
  await history`
    with placed as (
      insert into orders (id, customer_id, status, total_minor, currency_code, create_time, update_time)
      select gen_random_uuid(), (${customers.map((c) => c.id)}::uuid[])[1 + i % ${customers.length}], 'DELIVERED',
             100 + i % ${PRODUCTS - 1}, 'EUR', now() - make_interval(secs => i * 51.84), now()
      from generate_series(1, ${HISTORY_ORDERS}) i
      returning id, total_minor
    ), lines as (
      insert into order_items (order_id, line_no, product_id, product_name, quantity, unit_price_minor,
                               currency_code)
      select p.id, 0, (${productIds}::uuid[])[1 + (p.total_minor - 100)::int], 'Bench product', 1, p.total_minor,
             'EUR'
      from placed p
    )
    insert into order_status_changes (order_id, seq, status, actor_type, actor_id, change_time)
    select id, 0, 'DELIVERED', 'system', null, now() from placed`;
  await history`analyze`;
  await history.end();

  const quick = values.quick;
  return {
    httpUrl,
    grpcAddress,
    databaseUrl: database.url,
    natsUrl: nats.url,
    poolSize: POOL_SIZE,
    connections: Number(values.connections),
    warmupSeconds: quick ? 1 : 2,
    seconds: quick ? 3 : 10,
    productIds: [...productIds, hot?.id ?? ""],
    hotProductId: hot?.id ?? "",
    categoryIds,
    customers,
    customerPassword: PASSWORD,
    adminToken: admin.accessToken,
    orders,
    runLoad: measuredRunLoad,
  };
}

/** The canned server answers with the app's own responses, so both sides encode the same bytes. */
async function startCanned(ctx: Omit<BenchContext, "cannedUrl">) {
  const transport = createConnectTransport({ baseUrl: ctx.httpUrl, httpVersion: "1.1" });
  const customer = ctx.customers[0];
  const call = { headers: { authorization: `Bearer ${customer?.token ?? ""}` } };
  const catalog = createClient(CatalogService, transport);
  const ordering = createClient(OrderService, transport);
  const getProduct = await catalog.getProduct({ productId: ctx.productIds[0] ?? "" }, call);
  const listProducts = await catalog.listProducts(
    { categoryId: ctx.categoryIds[0] ?? "", pageSize: 20, orderBy: "price" },
    call,
  );
  const getOrder = await ordering.getOrder({ orderId: ctx.orders[0]?.orderId ?? "" }, call);
  const file = `${process.env.TMPDIR ?? "/tmp"}/shopfloor-bench-canned-${process.pid}.json`;
  writeFileSync(
    file,
    JSON.stringify({
      getProduct: toJson(GetProductResponseSchema, getProduct),
      listProducts: toJson(ListProductsResponseSchema, listProducts),
      getOrder: toJson(GetOrderResponseSchema, getOrder),
    }),
  );
  return startProcess(
    ["--import", "tsx", "bench/load/canned-server.ts", file],
    { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "" },
    (line) => line.startsWith("http://"),
  );
}

function report(rows: Row[], finalRssMb: number): void {
  const commit = git(["rev-parse", "HEAD"]);
  const dirty = git(["status", "--porcelain", "--untracked-files=no"]) !== "";
  const date = new Date().toISOString();
  const machine = {
    cpus: cpus().length,
    cpu_model: cpus()[0]?.model ?? "",
    memory_gb: Math.round(totalmem() / 1_073_741_824),
    node: process.version,
    load_average_at_end: loadavg().map((l) => Math.round(l * 100) / 100),
    connections: Number(values.connections),
    pool_size: POOL_SIZE,
    mode: values.quick ? "quick" : "full",
    app_env: extraEnv,
  };
  const result = {
    machine,
    commit: dirty ? `${commit}+dirty` : commit,
    date,
    app_rss_mb_at_end: finalRssMb,
    scenarios: rows,
  };
  const lines = [
    `Shopfloor bench ${date} commit ${commit.slice(0, 10)}${dirty ? "+dirty" : ""} (${machine.mode}, ` +
      `${machine.cpus} CPUs, ${machine.connections} connections, load ${machine.load_average_at_end.join(" ")})`,
    "",
    "| scenario | app/s | limit/s | ratio | p50 ms | p99 ms | errors | peak RSS MB | app CPU % |",
    "|---|---:|---:|---:|---:|---:|---:|---:|---:|",
    ...rows.map(
      (r) =>
        `| ${r.name} | ${r.app_rps} | ${r.limit_rps} | ${r.ratio.toFixed(2)} | ${r.p50_ms} | ${r.p99_ms} | ` +
        `${r.errors} | ${r.peak_rss_mb} | ${r.app_cpu_percent} |`,
    ),
    "",
    `app RSS after the run: ${finalRssMb} MB`,
    "",
    "Where the CPU went (cores, 2 in all): server / PostgreSQL / load process on each side; server ms per request",
    "= (server + PostgreSQL CPU) / requests served.",
    "",
    "| scenario | app side cores | limit side cores | app side ms/req | limit side ms/req |",
    "|---|---|---|---:|---:|",
    ...rows.map((r) => {
      const limitServer = (r.limit_side_cores?.canned ?? 0) > 0 ? "canned" : "app";
      return (
        `| ${r.name} | ${coresText(r.app_side_cores, "app")} | ${coresText(r.limit_side_cores, limitServer)} | ` +
        `${serverMsPerRequest(r.app_side_cores, r.app_rps)} | ${serverMsPerRequest(r.limit_side_cores, r.limit_rps)} |`
      );
    }),
    "",
  ];
  process.stdout.write(lines.join("\n"));
  // Only full runs are kept for comparison; quick or partial ones go to an ignored folder.
  const full = !values.quick && !only;
  const dir = full ? "bench/results" : "bench/results/partial";
  mkdirSync(dir, { recursive: true });
  const text = `${JSON.stringify(result, null, 2)}\n`;
  writeFileSync(`${dir}/${date.replace(/[:.]/g, "-")}-${commit.slice(0, 10)}.json`, text);
  if (full) writeFileSync("bench/results/latest.json", text);
}

function git(args: string[]): string {
  try {
    return execFileSync("git", args, { encoding: "utf8" }).trim();
  } catch {
    return "unknown";
  }
}
