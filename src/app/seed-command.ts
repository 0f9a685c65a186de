import { parseArgs } from "node:util";
import cliProgress from "cli-progress";
import { connectDatabase } from "../adapters/postgres/database.js";
import { startEmbeddedPostgres } from "../adapters/postgres/embedded-postgres.js";
import { migrate } from "../adapters/postgres/migrator.js";
import { PostgresSalesSeedWriter } from "../adapters/postgres/postgres-sales-seed-writer.js";
import { Argon2PasswordHasher } from "../adapters/security/argon2-password-hasher.js";
import { ConfigError, loadConfig } from "./config.js";
import { SEED_CUSTOMER_PASSWORD, SeedAlreadyApplied, type SeedProgress, seedSales } from "./seed-sales.js";

// `npm run seed -- --orders N [--customers C] [--products P] [--days D] [--seed S] [--until YYYY-MM-DD]`:
// writes realistic demo sales into the configured database (DATABASE_URL, or the embedded one in
// SHOPFLOOR_DATA_DIR, which must not be open in a running app: PGlite serves one process).

const USAGE = `usage: npm run seed -- --orders N [--customers C] [--products P] [--days D] [--seed S] [--until YYYY-MM-DD]
  --orders     orders to add (default 10000)
  --customers  customers to create (default orders/20, 20-5000)
  --products   products to create (default 200); 0 sells the catalog already there
  --days       days the orders spread over, ending at --until (default 365)
  --seed       random seed: the same seed and --until give the same data (default 1)
  --until      the day after the last order, UTC (default today)
`;

function fail(message: string): never {
  process.stderr.write(`${message}\n\n${USAGE}`);
  process.exit(2);
}

function wholeNumber(
  name: string,
  value: string | undefined,
  fallback: number,
  min: number,
  max: number,
): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < min || n > max)
    fail(`--${name} must be a whole number from ${min} to ${max}`);
  return n;
}

/** A bar on a terminal; elsewhere (CI, a pipe) a plain line at every tenth. */
function progressReporter(): SeedProgress {
  if (process.stdout.isTTY) {
    const bar = new cliProgress.SingleBar(
      {
        format: "seeding [{bar}] {percentage}% | {value}/{total} orders | {lines} lines | eta {eta}s",
        hideCursor: true,
      },
      cliProgress.Presets.shades_classic,
    );
    return {
      start: (total) => bar.start(total, 0, { lines: 0 }),
      advance: (orders, lines) => bar.update(orders, { lines }),
      stop: () => bar.stop(),
    };
  }
  let total = 0;
  let nextReport = 0;
  return {
    start(orders) {
      total = orders;
      nextReport = Math.ceil(total / 10);
      process.stdout.write(`seeding ${total} orders\n`);
    },
    advance(orders, lines) {
      if (orders < nextReport && orders < total) return;
      nextReport = orders + Math.ceil(total / 10);
      process.stdout.write(
        `seeded ${orders}/${total} orders (${Math.floor((orders / total) * 100)}%), ${lines} lines\n`,
      );
    },
    stop() {},
  };
}

async function main(): Promise<void> {
  let args: ReturnType<typeof parse>;
  const parse = () =>
    parseArgs({
      options: {
        orders: { type: "string" },
        customers: { type: "string" },
        products: { type: "string" },
        days: { type: "string" },
        seed: { type: "string" },
        until: { type: "string" },
        help: { type: "boolean", short: "h" },
      },
      strict: true,
    });
  try {
    args = parse();
  } catch (error) {
    fail((error as Error).message);
  }
  if (args.values.help) {
    process.stdout.write(USAGE);
    return;
  }
  const v = args.values;
  const orders = wholeNumber("orders", v.orders, 10_000, 1, 50_000_000);
  const untilText = v.until ?? new Date().toISOString().slice(0, 10);
  if (!/^\d{4}-\d{2}-\d{2}$/.test(untilText) || Number.isNaN(Date.parse(`${untilText}T00:00:00Z`)))
    fail("--until must be a date like 2026-01-31");
  const options = {
    orders,
    customers: wholeNumber(
      "customers",
      v.customers,
      Math.min(5_000, Math.max(20, Math.ceil(orders / 20))),
      1,
      10_000_000,
    ),
    products: wholeNumber("products", v.products, 200, 0, 1_000_000),
    days: wholeNumber("days", v.days, 365, 1, 36_500),
    seed: wholeNumber("seed", v.seed, 1, 0, 2 ** 32 - 1),
    until: new Date(`${untilText}T00:00:00Z`),
  };

  let config: ReturnType<typeof loadConfig>;
  try {
    config = loadConfig();
  } catch (error) {
    if (error instanceof ConfigError) fail(error.message);
    throw error;
  }
  const embedded = config.databaseUrl ? undefined : await startEmbeddedPostgres(config.dataDir);
  const sql = connectDatabase(config.databaseUrl ?? embedded?.url ?? "", { max: 1 });
  try {
    await migrate(sql);
    const summary = await seedSales(
      new PostgresSalesSeedWriter(sql),
      await Argon2PasswordHasher.create(),
      { ...options, currencyCode: config.shopCurrency },
      progressReporter(),
    );
    const money = (minor: number) => `${(minor / 100).toFixed(2)} ${config.shopCurrency}`;
    process.stdout.write(
      [
        "",
        `Seeded ${config.databaseUrl ? "PostgreSQL" : `the embedded database in ${config.dataDir}`} in ${summary.seconds.toFixed(1)} s:`,
        `  ${summary.orders} orders with ${summary.lines} lines (${Math.round(summary.lines / summary.seconds)} lines/s), ` +
          `${summary.cancelledOrders} of them cancelled`,
        `  from ${summary.from.toISOString()} to ${summary.until.toISOString()}`,
        `  ${summary.customers} customers (username seed${options.seed}_c1 ..., password ${SEED_CUSTOMER_PASSWORD}), ` +
          `${summary.products} products in ${summary.categories} categories`,
        `  revenue of the orders not cancelled: ${money(summary.revenueMinor)}`,
        "",
      ].join("\n"),
    );
  } catch (error) {
    if (error instanceof SeedAlreadyApplied) {
      process.stderr.write(`${error.message}\n`);
      process.exitCode = 1;
      return;
    }
    throw error;
  } finally {
    await sql.end({ timeout: 5 });
    await embedded?.stop();
  }
}

await main();
