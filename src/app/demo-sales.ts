import type { Logger } from "pino";
import type { Sql } from "../adapters/postgres/database.js";
import { PostgresSalesSeedWriter } from "../adapters/postgres/postgres-sales-seed-writer.js";
import type { PasswordHasher } from "../domain/identity/ports.js";
import { seedSales } from "./seed-sales.js";

// The embedded demo's sales history, so the analytics reports have something to show on first start: a few
// hundred orders of the demo catalog (demo-data.ts) over the last 90 days, written only into a database that
// has no orders yet. `npm run seed` writes larger data sets.

export const DEMO_SALES = { orders: 400, customers: 20, days: 90, seed: 2026 } as const;

export async function loadDemoSales(
  deps: { readonly sql: Sql; readonly passwords: PasswordHasher; readonly logger: Logger },
  shopCurrency: string,
  now: Date,
): Promise<void> {
  const writer = new PostgresSalesSeedWriter(deps.sql);
  if (await writer.hasOrders()) return;
  const today = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate()));
  const summary = await seedSales(
    writer,
    deps.passwords,
    { ...DEMO_SALES, products: 0, until: today, currencyCode: shopCurrency },
    { start() {}, advance() {}, stop() {} },
  );
  deps.logger.info({ orders: summary.orders, lines: summary.lines }, "demo sales loaded");
}
