import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PostgresSalesReadModel } from "../../src/adapters/postgres/postgres-sales-read-model.js";
import { PostgresSalesSeedWriter } from "../../src/adapters/postgres/postgres-sales-seed-writer.js";
import { seedSales } from "../../src/app/seed-sales.js";
import type { Bucket, TimeRange } from "../../src/domain/analytics/bucket.js";
import { bucketBoundaries } from "../../src/domain/analytics/bucket-boundaries.js";
import type { SalesFilter } from "../../src/domain/analytics/sales.js";
import { ZoneCalendar } from "../../src/domain/analytics/time-zone.js";
import { InvalidArgument } from "../../src/domain/shared/errors.js";
import { createTestDatabase, DATABASE_KINDS, type TestDatabase } from "../support/databases.js";

// The SQL read model against a reference computed in JavaScript from the raw rows: for random ranges, buckets,
// zones and filters, its buckets are the domain's boundaries (which the domain suite checks against Temporal),
// each bucket's figures are exactly those of the sales inside it, and the buckets add up to the range's total.
// The data is the seed generator's, over a window that crosses the 2024 DST changes of Europe and America.

interface SaleRow {
  order_id: string;
  status: string;
  create_time: Date;
  line_no: number;
  product_id: string;
  category_id: string;
  quantity: number;
  unit_price_minor: number;
}

const UNTIL = new Date("2024-11-20T00:00:00Z");
const DAYS = 75;
const ZONES = [
  "UTC",
  "Europe/Berlin",
  "America/New_York",
  "Asia/Kathmandu",
  "Australia/Adelaide",
  "America/Santiago",
];

function reference(rows: readonly SaleRow[], range: TimeRange, filter: SalesFilter) {
  const products = new Set(filter.productIds);
  const categories = new Set(filter.categoryIds);
  const all = products.size === 0 && categories.size === 0;
  return rows.filter(
    (r) =>
      r.status !== "CANCELLED" &&
      r.create_time.getTime() >= range.start.getTime() &&
      r.create_time.getTime() < range.end.getTime() &&
      (all || products.has(r.product_id) || categories.has(r.category_id)),
  );
}

const figuresOf = (rows: readonly SaleRow[]) => ({
  orderCount: new Set(rows.map((r) => r.order_id)).size,
  units: rows.reduce((sum, r) => sum + r.quantity, 0),
  revenueMinor: rows.reduce((sum, r) => sum + r.quantity * r.unit_price_minor, 0),
});

describe.each(DATABASE_KINDS)("PostgresSalesReadModel on %s", (kind) => {
  let db: TestDatabase;
  let sales: PostgresSalesReadModel;
  let rows: SaleRow[];
  let productIds: string[];
  let categoryIds: string[];

  beforeAll(async () => {
    db = await createTestDatabase(kind);
    await seedSales(
      new PostgresSalesSeedWriter(db.sql),
      { hash: async () => "not a real hash", verify: async () => false, dummyHash: async () => "" } as never,
      { orders: 900, customers: 25, products: 24, days: DAYS, seed: 42, until: UNTIL, currencyCode: "EUR" },
      { start() {}, advance() {}, stop() {} },
    );
    sales = new PostgresSalesReadModel(db.sql);
    rows = await db.sql<SaleRow[]>`
      select o.id as order_id, o.status, o.create_time, i.line_no, i.product_id, p.category_id, i.quantity,
             i.unit_price_minor
      from orders o join order_items i on i.order_id = o.id join products p on p.id = i.product_id`;
    productIds = [...new Set(rows.map((r) => r.product_id))].sort();
    categoryIds = [...new Set(rows.map((r) => r.category_id))].sort();
    expect(rows.some((r) => r.status === "CANCELLED")).toBe(true);
  });

  afterAll(async () => {
    await db?.drop();
  });

  const windowStart = UNTIL.getTime() - DAYS * 86_400_000;
  const queries = () =>
    fc.record({
      startOffset: fc.integer({ min: -86_400_000, max: DAYS * 86_400_000 }),
      length: fc.integer({ min: 1, max: 80 * 86_400_000 }),
      bucket: fc.constantFrom<Bucket>("NONE", "DAY", "WEEK", "MONTH", "YEAR"),
      zone: fc.constantFrom(...ZONES),
      products: fc.subarray(productIds, { maxLength: 4 }),
      categories: fc.subarray(categoryIds, { maxLength: 2 }),
    });

  it("buckets every sale exactly, in the domain's boundaries, summing to the range's total", async () => {
    await fc.assert(
      fc.asyncProperty(queries(), async (q) => {
        const range = {
          start: new Date(windowStart + q.startOffset),
          end: new Date(windowStart + q.startOffset + q.length),
        };
        const filter = { productIds: q.products, categoryIds: q.categories };
        const buckets = await sales.salesByBucket({ range, filter, bucket: q.bucket, timeZone: q.zone });
        const zone = ZoneCalendar.of(q.zone);
        if (!zone) throw new Error(q.zone);
        const expected = bucketBoundaries(range, q.bucket, zone).map((b) => ({
          start: b.start,
          end: b.end,
          ...figuresOf(reference(rows, b, filter)),
        }));
        expect(buckets).toEqual(expected);
        const total = figuresOf(reference(rows, range, filter));
        expect(buckets.reduce((s, b) => s + b.revenueMinor, 0)).toBe(total.revenueMinor);
        expect(buckets.reduce((s, b) => s + b.units, 0)).toBe(total.units);
        expect(buckets.reduce((s, b) => s + b.orderCount, 0)).toBe(total.orderCount);
      }),
      { numRuns: kind === "postgres" ? 40 : 20 },
    );
  });

  it("pages through exactly the matching lines, in time, order and line order", async () => {
    const range = {
      start: new Date(windowStart + 5 * 86_400_000),
      end: new Date(windowStart + 20 * 86_400_000),
    };
    const filter = { productIds: productIds.slice(0, 3), categoryIds: categoryIds.slice(0, 1) };
    const expected = reference(rows, range, filter)
      .sort(
        (a, b) =>
          a.create_time.getTime() - b.create_time.getTime() ||
          (a.order_id < b.order_id ? -1 : a.order_id > b.order_id ? 1 : 0) ||
          a.line_no - b.line_no,
      )
      .map((r) => `${r.order_id}/${r.line_no}`);
    expect(expected.length).toBeGreaterThan(20);
    const seen: string[] = [];
    let after: { orderTime: Date; orderId: string; lineNo: number } | undefined;
    for (;;) {
      const page = await sales.saleLines({ range, filter, after, limit: 7 });
      seen.push(...page.map((l) => `${l.orderId}/${l.lineNo}`));
      const last = page[page.length - 1];
      if (!last || page.length < 7) break;
      after = { orderTime: last.orderTime, orderId: last.orderId, lineNo: last.lineNo };
    }
    expect(seen).toEqual(expected);
  });

  // Whole UTC days come from the daily rollups, partial ones from the lines: ranges of both kinds, and shorter
  // than a day, with and without a category filter.
  it.each([
    ["whole days", 0, DAYS * 86_400_000, false],
    ["partial days at both ends", 5.3 * 86_400_000, (DAYS - 2.7) * 86_400_000, false],
    ["partial days, one category", 1.25 * 86_400_000, (DAYS - 0.6) * 86_400_000, true],
    ["less than a day", 10.1 * 86_400_000, 10.9 * 86_400_000, false],
  ] as const)(
    "ranks products by revenue or units over %s, ties broken by the other measure, then by id",
    async (_, from, to, oneCategory) => {
      const range = { start: new Date(windowStart + from), end: new Date(windowStart + to) };
      const filter = { productIds: [], categoryIds: oneCategory ? categoryIds.slice(0, 1) : [] };
      const perProduct = new Map<string, { units: number; revenueMinor: number; orderCount: number }>();
      for (const r of reference(rows, range, filter)) {
        const p = perProduct.get(r.product_id) ?? { units: 0, revenueMinor: 0, orderCount: 0 };
        perProduct.set(r.product_id, {
          units: p.units + r.quantity,
          revenueMinor: p.revenueMinor + r.quantity * r.unit_price_minor,
          orderCount: p.orderCount + 1,
        });
      }
      const ranked = [...perProduct.entries()].map(([productId, f]) => ({ productId, ...f }));
      expect(ranked.length).toBeGreaterThan(2);
      const byUnits = [...ranked].sort(
        (a, b) =>
          b.units - a.units || b.revenueMinor - a.revenueMinor || (a.productId < b.productId ? -1 : 1),
      );
      const top = await sales.topProducts({ range, filter, ranking: "UNITS", limit: 10 });
      expect(top.map(({ name: _, ...rest }) => rest)).toEqual(byUnits.slice(0, 10));
      const byRevenue = [...ranked].sort(
        (a, b) =>
          b.revenueMinor - a.revenueMinor || b.units - a.units || (a.productId < b.productId ? -1 : 1),
      );
      const topRevenue = await sales.topProducts({ range, filter, ranking: "REVENUE", limit: 100 });
      expect(topRevenue.map(({ name: _, ...rest }) => rest)).toEqual(byRevenue);
    },
  );

  it("stays exact when orders are cancelled later, or placed and cancelled in one transaction", async () => {
    const open = rows.filter((r) => r.status !== "CANCELLED" && r.line_no === 0).slice(0, 40);
    await db.sql.begin(async (tx) => {
      await tx`update orders set status = 'CANCELLED' where id = any(${open.map((r) => r.order_id)}::uuid[])`;
    });
    const [sample] = rows;
    if (!sample) throw new Error("no rows");
    const id = "0190f0e0-0000-7000-8000-00000000abcd";
    await db.sql.begin(async (tx) => {
      await tx`
        with placed as (
          insert into orders (id, customer_id, status, total_minor, currency_code, create_time, update_time)
          select ${id}, customer_id, 'PENDING', 500, 'EUR', ${sample.create_time}, ${sample.create_time}
          from orders where id = ${sample.order_id}
        )
        insert into order_items (order_id, line_no, product_id, product_name, quantity, unit_price_minor, currency_code)
        values (${id}, 0, ${sample.product_id}, 'x', 5, 100, 'EUR')`;
      await tx`update orders set status = 'CANCELLED' where id = ${id}`;
    });
    const now = await db.sql<SaleRow[]>`
      select o.id as order_id, o.status, o.create_time, i.line_no, i.product_id, p.category_id, i.quantity,
             i.unit_price_minor
      from orders o join order_items i on i.order_id = o.id join products p on p.id = i.product_id`;
    const range = { start: new Date(windowStart - 3_600_000), end: new Date(UNTIL.getTime() + 3_600_000) };
    const none = { productIds: [], categoryIds: [] };
    const buckets = await sales.salesByBucket({
      range,
      filter: none,
      bucket: "DAY",
      timeZone: "Europe/Berlin",
    });
    const zone = ZoneCalendar.of("Europe/Berlin");
    if (!zone) throw new Error("zone");
    expect(buckets).toEqual(
      bucketBoundaries(range, "DAY", zone).map((b) => ({ ...b, ...figuresOf(reference(now, b, none)) })),
    );
    const [rolled] = await db.sql<{ orders: number; units: number }[]>`
      select sum(orders)::int8 as orders, sum(units)::int8 as units from sales_slots`;
    const all = figuresOf(reference(now, { start: new Date(0), end: new Date(8.64e15) }, none));
    expect(rolled).toEqual({ orders: all.orderCount, units: all.units });
    const [daily] = await db.sql<{ orders: number; units: number }[]>`
      select sum(orders)::int8 as orders, sum(units)::int8 as units from product_sales_days`;
    expect(daily).toEqual({
      orders: reference(now, { start: new Date(0), end: new Date(8.64e15) }, none).length,
      units: all.units,
    });
    const perProduct = await sales.topProducts({ range, filter: none, ranking: "UNITS", limit: 100 });
    for (const p of perProduct) {
      const lines = reference(now, range, { productIds: [p.productId], categoryIds: [] });
      expect([p.units, p.orderCount]).toEqual([lines.reduce((sum, r) => sum + r.quantity, 0), lines.length]);
    }
    rows = now;
  });

  it("refuses a zone the database does not know as the caller's mistake", async () => {
    const range = { start: new Date(windowStart), end: UNTIL };
    await expect(
      sales.salesByBucket({
        range,
        filter: { productIds: [], categoryIds: [] },
        bucket: "DAY",
        timeZone: "Nowhere/Atlantis",
      }),
    ).rejects.toBeInstanceOf(InvalidArgument);
  });
});
