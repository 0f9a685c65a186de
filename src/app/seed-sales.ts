import type {
  PostgresSalesSeedWriter,
  SeedProduct,
} from "../adapters/postgres/postgres-sales-seed-writer.js";
import type { PasswordHasher } from "../domain/identity/ports.js";
import { generateCatalog, generateCustomers, generateOrders, SeededRandom } from "./sales-data-generator.js";

// Generates demo sales and writes them in batches, reporting progress: the engine of `npm run seed` and of the
// embedded demo's first start.

/** Seeded customers can sign in with this password: they are demo accounts. */
export const SEED_CUSTOMER_PASSWORD = "Shopfloor-Seed-Customer-1";

const DAY_MS = 86_400_000;
const ORDERS_PER_BATCH = 2_000;

export interface SeedOptions {
  readonly orders: number;
  readonly customers: number;
  /** Products to create; 0 sells the catalog already in the database instead. */
  readonly products: number;
  readonly days: number;
  readonly seed: number;
  /** Orders are spread over the `days` days before this instant. */
  readonly until: Date;
  readonly currencyCode: string;
}

export interface SeedProgress {
  start(totalOrders: number): void;
  advance(ordersWritten: number, linesWritten: number): void;
  stop(): void;
}

export interface SeedSummary {
  readonly customers: number;
  readonly categories: number;
  readonly products: number;
  readonly orders: number;
  readonly lines: number;
  readonly cancelledOrders: number;
  /** Of orders not cancelled, in minor units. */
  readonly revenueMinor: number;
  readonly from: Date;
  readonly until: Date;
  readonly seconds: number;
}

export class SeedAlreadyApplied extends Error {}

export async function seedSales(
  writer: PostgresSalesSeedWriter,
  passwords: PasswordHasher,
  options: SeedOptions,
  progress: SeedProgress,
): Promise<SeedSummary> {
  const started = performance.now();
  const random = new SeededRandom(options.seed);
  const until = options.until.getTime();
  const from = until - options.days * DAY_MS;
  const namespace = `seed${options.seed}`;

  let products: readonly SeedProduct[];
  let categories = 0;
  if (options.products > 0) {
    const catalog = generateCatalog(random, {
      products: options.products,
      slugPrefix: `${namespace}-`,
      createTime: from - 90 * DAY_MS,
    });
    try {
      await writer.writeCatalog(
        catalog.categories,
        catalog.products,
        options.currencyCode,
        new Date(from - 90 * DAY_MS),
      );
    } catch (error) {
      // The catalog's slugs carry the seed, so a second run of the same seed meets its own first one.
      if ((error as { code?: string }).code === "23505")
        throw new SeedAlreadyApplied(
          `seed ${options.seed} was already written to this database: pass another --seed`,
        );
      throw error;
    }
    products = catalog.products;
    categories = catalog.categories.length;
  } else {
    products = await writer.sellableProducts();
    if (products.length === 0) throw new Error("there are no products to sell: pass --products N");
  }

  const customers = generateCustomers(random, {
    customers: options.customers,
    namePrefix: `${namespace}_`,
    from,
    until,
  });
  try {
    await writer.writeCustomers(customers, await passwords.hash(SEED_CUSTOMER_PASSWORD));
  } catch (error) {
    if ((error as { code?: string }).code === "23505")
      throw new SeedAlreadyApplied(
        `seed ${options.seed} was already written to this database: pass another --seed`,
      );
    throw error;
  }

  progress.start(options.orders);
  let orders = 0;
  let lines = 0;
  let cancelledOrders = 0;
  let revenueMinor = 0;
  try {
    for (const batch of generateOrders(random, {
      orders: options.orders,
      days: options.days,
      until,
      customers,
      products,
      batchSize: ORDERS_PER_BATCH,
    })) {
      await writer.writeOrders(batch, options.currencyCode);
      for (const order of batch) {
        lines += order.lines.length;
        if (order.history[order.history.length - 1]?.status === "CANCELLED") cancelledOrders++;
        else revenueMinor += order.lines.reduce((sum, l) => sum + l.quantity * l.unitPriceMinor, 0);
      }
      orders += batch.length;
      progress.advance(orders, lines);
    }
  } finally {
    progress.stop();
  }
  return {
    customers: customers.length,
    categories,
    products: options.products > 0 ? products.length : 0,
    orders,
    lines,
    cancelledOrders,
    revenueMinor,
    from: new Date(from),
    until: options.until,
    seconds: (performance.now() - started) / 1000,
  };
}
