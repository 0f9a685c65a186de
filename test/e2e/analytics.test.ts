import { timestampFromMs } from "@bufbuild/protobuf/wkt";
import { Code } from "@connectrpc/connect";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AnalyticsService, Bucket, Ranking } from "../../gen/shopfloor/analytics/v1/analytics_pb.js";
import type { Product } from "../../gen/shopfloor/catalog/v1/catalog_pb.js";
import { OrderService } from "../../gen/shopfloor/ordering/v1/ordering_pb.js";
import { clientFor, closeGrpcClients, expectCode, SURFACES, type Surface } from "../support/clients.js";
import { createProducts, eur, registerCustomer, type SignedIn, signInAdmin } from "../support/shop.js";
import { startTestApp, type TestApp } from "../support/test-app.js";

// AnalyticsService end to end over Connect JSON and gRPC on PostgreSQL, on orders placed through the API: the
// figures are checked to the unit and the minor unit, cancelled orders leave the report, filters are exact,
// and bad requests are INVALID_ARGUMENT.

let app: TestApp;
let admin: SignedIn;
let customer: SignedIn;
let catA: Product[];
let catB: Product[];
let placedAt: { from: number; to: number };
let cancelledOrderId: string;

const HOUR = 3_600_000;

beforeAll(async () => {
  app = await startTestApp();
  admin = await signInAdmin(app);
  customer = await registerCustomer(app);
  catA = await createProducts(app, admin, [
    { stock: 100, price: 1000 },
    { stock: 100, price: 250 },
    { stock: 100, price: 1999 },
  ]);
  catB = await createProducts(app, admin, [{ stock: 100, price: 333 }]);
  const orders = clientFor("connect", OrderService, app);
  const [p1, p2, p3] = catA as [Product, Product, Product];
  const p4 = catB[0] as Product;
  const from = Date.now();
  await orders.placeOrder(
    {
      items: [
        { productId: p1.id, quantity: 2 },
        { productId: p2.id, quantity: 3 },
      ],
    },
    customer.call,
  );
  await orders.placeOrder(
    {
      items: [
        { productId: p3.id, quantity: 1 },
        { productId: p4.id, quantity: 4 },
      ],
    },
    customer.call,
  );
  const { order } = await orders.placeOrder({ items: [{ productId: p1.id, quantity: 5 }] }, customer.call);
  cancelledOrderId = order?.id ?? "";
  placedAt = { from, to: Date.now() };
});

afterAll(async () => {
  closeGrpcClients();
  await app?.stop();
  await app?.database.drop();
});

describe.each(SURFACES)("AnalyticsService over %s", (surface: Surface) => {
  const analytics = () => clientFor(surface, AnalyticsService, app);
  const around = () => ({
    startTime: timestampFromMs(placedAt.from - HOUR),
    endTime: timestampFromMs(placedAt.to + HOUR),
  });
  const ids = (products: Product[]) => products.map((p) => p.id);

  it("reports what sold; an order cancelled later leaves the report", async () => {
    // The third order (5 x 10.00) is still open on the first surface's first run, cancelled after.
    const before = await analytics().getSalesReport({ ...around(), bucket: Bucket.NONE }, admin.call);
    if (surface === SURFACES[0]) {
      expect(before.totalOrderCount).toBe(3n);
      expect(before.totalUnits).toBe(15n);
      expect(before.totalRevenue).toEqual(expect.objectContaining(eur(2000 + 750 + 1999 + 1332 + 5000)));
      await clientFor("connect", OrderService, app).cancelOrder({ orderId: cancelledOrderId }, customer.call);
    }
    const report = await analytics().getSalesReport({ ...around(), bucket: Bucket.NONE }, admin.call);
    expect(report.totalOrderCount).toBe(2n);
    expect(report.totalUnits).toBe(10n);
    expect(report.totalRevenue).toEqual(expect.objectContaining(eur(2000 + 750 + 1999 + 1332)));
    expect(report.timeZone).toBe("UTC");
    expect(report.buckets).toHaveLength(1);
    expect(report.buckets[0]?.startTime).toEqual(around().startTime);
    expect(report.buckets[0]?.endTime).toEqual(around().endTime);
    expect(report.lines).toEqual([]);
  });

  it("filters by product and category exactly: a line counts when either list names it", async () => {
    const [p1] = catA as [Product];
    const byProduct = await analytics().getSalesReport(
      { ...around(), bucket: Bucket.NONE, productIds: [p1.id] },
      admin.call,
    );
    expect([byProduct.totalOrderCount, byProduct.totalUnits, byProduct.totalRevenue?.amountMinor]).toEqual([
      1n,
      2n,
      2000n,
    ]);
    const categoryB = catB[0]?.categoryId ?? "";
    const byCategory = await analytics().getSalesReport(
      { ...around(), bucket: Bucket.NONE, categoryIds: [categoryB] },
      admin.call,
    );
    expect([byCategory.totalOrderCount, byCategory.totalUnits, byCategory.totalRevenue?.amountMinor]).toEqual(
      [1n, 4n, 1332n],
    );
    const either = await analytics().getSalesReport(
      { ...around(), bucket: Bucket.NONE, productIds: [p1.id], categoryIds: [categoryB] },
      admin.call,
    );
    expect([either.totalOrderCount, either.totalUnits, either.totalRevenue?.amountMinor]).toEqual([
      2n,
      6n,
      3332n,
    ]);
    const nothing = await analytics().getSalesReport(
      { ...around(), bucket: Bucket.NONE, productIds: ["0190f0e0-0000-7000-8000-000000000999"] },
      admin.call,
    );
    expect([nothing.totalOrderCount, nothing.totalUnits, nothing.totalRevenue?.amountMinor]).toEqual([
      0n,
      0n,
      0n,
    ]);
  });

  it("cuts days at Kathmandu's midnight, empty days included, tiling the range", async () => {
    const start = placedAt.from - 3 * 24 * HOUR;
    const end = placedAt.to + 2 * 24 * HOUR;
    const report = await analytics().getSalesReport(
      {
        startTime: timestampFromMs(start),
        endTime: timestampFromMs(end),
        bucket: Bucket.DAY,
        timeZone: "Asia/Kathmandu",
      },
      admin.call,
    );
    const ms = (t: { seconds: bigint; nanos: number } | undefined) =>
      Number(t?.seconds) * 1000 + (t?.nanos ?? 0) / 1e6;
    const buckets = report.buckets;
    expect(buckets.length).toBeGreaterThanOrEqual(5);
    expect(ms(buckets[0]?.startTime)).toBe(start);
    expect(ms(buckets[buckets.length - 1]?.endTime)).toBe(end);
    for (const [i, b] of buckets.entries()) {
      if (i > 0) {
        expect(b.startTime).toEqual(buckets[i - 1]?.endTime);
        // Local midnight in Kathmandu (UTC+05:45) is 18:15 UTC.
        expect(new Date(ms(b.startTime)).toISOString().slice(11)).toBe("18:15:00.000Z");
      }
    }
    expect(buckets.filter((b) => b.orderCount > 0n).length).toBeGreaterThanOrEqual(1);
    expect(buckets.reduce((s, b) => s + b.units, 0n)).toBe(10n);
    expect(buckets.reduce((s, b) => s + (b.revenue?.amountMinor ?? 0n), 0n)).toBe(6081n);
    expect(buckets.reduce((s, b) => s + b.orderCount, 0n)).toBe(report.totalOrderCount);
  });

  it("returns the sale lines a page at a time with a page token", async () => {
    const request = { ...around(), bucket: Bucket.NONE, includeLines: true, linesPageSize: 3 };
    const first = await analytics().getSalesReport(request, admin.call);
    expect(first.lines).toHaveLength(3);
    expect(first.nextLinesPageToken).not.toBe("");
    const second = await analytics().getSalesReport(
      { ...request, linesPageToken: first.nextLinesPageToken },
      admin.call,
    );
    expect(second.nextLinesPageToken).toBe("");
    const lines = [...first.lines, ...second.lines];
    expect(lines.map((l) => [l.productId, l.quantity, l.unitPrice?.amountMinor])).toEqual([
      [catA[0]?.id, 2, 1000n],
      [catA[1]?.id, 3, 250n],
      [catA[2]?.id, 1, 1999n],
      [catB[0]?.id, 4, 333n],
    ]);
    expect(new Set(lines.map((l) => l.orderId)).size).toBe(2);
    expect(lines.every((l) => l.orderTime !== undefined && l.productName !== "")).toBe(true);
    // A token belongs to its report: another filter refuses it.
    await expectCode(
      analytics().getSalesReport(
        { ...request, productIds: ids(catA), linesPageToken: first.nextLinesPageToken },
        admin.call,
      ),
      Code.InvalidArgument,
    );
  });

  it("ranks top products by units or revenue, with their names", async () => {
    const [p1, p2, p3] = catA as [Product, Product, Product];
    const p4 = catB[0] as Product;
    const byUnits = await analytics().getTopProducts({ ...around(), ranking: Ranking.UNITS }, admin.call);
    expect(byUnits.products.map((p) => [p.productId, p.name, p.units])).toEqual([
      [p4.id, p4.name, 4n],
      [p2.id, p2.name, 3n],
      [p1.id, p1.name, 2n],
      [p3.id, p3.name, 1n],
    ]);
    const byRevenue = await analytics().getTopProducts({ ...around(), limit: 2 }, admin.call);
    expect(byRevenue.products.map((p) => [p.productId, p.revenue?.amountMinor, p.orderCount])).toEqual([
      [p1.id, 2000n, 1n],
      [p3.id, 1999n, 1n],
    ]);
  });

  it("refuses bad requests as INVALID_ARGUMENT, naming the field", async () => {
    const field = async (promise: Promise<unknown>) => {
      const error = await expectCode(promise, Code.InvalidArgument);
      return error.rawMessage;
    };
    const base = { ...around(), bucket: Bucket.DAY };
    expect(await field(analytics().getSalesReport({ ...base, endTime: base.startTime }, admin.call))).toMatch(
      /end_time: must be after start_time/,
    );
    expect(
      await field(analytics().getSalesReport({ ...base, timeZone: "Mars/Olympus" }, admin.call)),
    ).toMatch(/time_zone/);
    expect(await field(analytics().getSalesReport({ ...base, bucket: 42 as Bucket }, admin.call))).toMatch(
      /bucket/,
    );
    expect(
      await field(analytics().getSalesReport({ ...base, bucket: Bucket.UNSPECIFIED }, admin.call)),
    ).toMatch(/bucket: is required/);
    expect(
      await field(
        analytics().getSalesReport(
          { startTime: timestampFromMs(0), endTime: timestampFromMs(10_001 * 24 * HOUR), bucket: Bucket.DAY },
          admin.call,
        ),
      ),
    ).toMatch(/10001 buckets/);
    const many = Array.from({ length: 1001 }, () => catA[0]?.id ?? "");
    expect(await field(analytics().getSalesReport({ ...base, productIds: many }, admin.call))).toMatch(
      /product_ids: must hold at most 1000 ids/,
    );
    expect(await field(analytics().getTopProducts({ ...around(), limit: 101 }, admin.call))).toMatch(/limit/);
    expect(
      await field(analytics().getTopProducts({ ...around(), ranking: 9 as Ranking }, admin.call)),
    ).toMatch(/ranking/);
  });

  it("answers only admins", async () => {
    await expectCode(
      analytics().getSalesReport({ ...around(), bucket: Bucket.NONE }, customer.call),
      Code.PermissionDenied,
    );
    await expectCode(analytics().getTopProducts(around()), Code.Unauthenticated);
  });
});

describe("AnalyticsService under concurrent orders and cancellations", () => {
  it("stays exact: the rollups (unfiltered) and the lines (filtered) agree with what was placed", async () => {
    const products = await createProducts(
      app,
      admin,
      Array.from({ length: 8 }, (_, i) => ({ stock: 10_000, price: 101 + i * 37 })),
    );
    const shoppers = await Promise.all([registerCustomer(app), registerCustomer(app), registerCustomer(app)]);
    const orders = clientFor("grpc", OrderService, app);
    const from = Date.now();
    const place = (n: number) => {
      const shopper = shoppers[n % shoppers.length] as SignedIn;
      const items = [0, 1, 2].slice(0, 1 + (n % 3)).map((k) => ({
        productId: (products[(n + k * 3) % products.length] as Product).id,
        quantity: 1 + ((n + k) % 4),
      }));
      return orders.placeOrder({ items }, shopper.call).then((r) => ({ order: r.order, shopper }));
    };
    const first = await Promise.all(Array.from({ length: 60 }, (_, n) => place(n)));
    const toCancel = first.filter((_, n) => n % 4 === 0);
    const [second] = await Promise.all([
      Promise.all(Array.from({ length: 30 }, (_, n) => place(60 + n))),
      Promise.all(
        toCancel.map(({ order, shopper }) => orders.cancelOrder({ orderId: order?.id ?? "" }, shopper.call)),
      ),
    ]);
    const cancelled = new Set(toCancel.map(({ order }) => order?.id));
    const kept = [...first, ...second].filter(({ order }) => !cancelled.has(order?.id));
    const expected = {
      orders: BigInt(kept.length),
      units: kept.reduce(
        (s, { order }) => s + BigInt(order?.items.reduce((u, i) => u + i.quantity, 0) ?? 0),
        0n,
      ),
      revenue: kept.reduce((s, { order }) => s + (order?.total?.amountMinor ?? 0n), 0n),
    };
    const analytics = clientFor("connect", AnalyticsService, app);
    const ours = await analytics.getSalesReport(
      {
        startTime: timestampFromMs(from - 1),
        endTime: timestampFromMs(Date.now() + 1),
        bucket: Bucket.NONE,
        categoryIds: [products[0]?.categoryId ?? ""],
      },
      admin.call,
    );
    expect([ours.totalOrderCount, ours.totalUnits, ours.totalRevenue?.amountMinor]).toEqual([
      expected.orders,
      expected.units,
      expected.revenue,
    ]);
    // Over hours, unfiltered reports sum the quarter-hour rollups; naming every category reads the lines.
    const wide = {
      startTime: timestampFromMs(from - 2 * HOUR - 1234),
      endTime: timestampFromMs(Date.now() + 2 * HOUR + 4321),
      bucket: Bucket.DAY,
      timeZone: "Pacific/Chatham",
    };
    const unfiltered = await analytics.getSalesReport(wide, admin.call);
    const everyCategory = [catA[0], catB[0], products[0]].map((p) => p?.categoryId ?? "");
    const filtered = await analytics.getSalesReport({ ...wide, categoryIds: everyCategory }, admin.call);
    expect(unfiltered.totalOrderCount).toBe(expected.orders + 2n);
    expect([unfiltered.totalOrderCount, unfiltered.totalUnits, unfiltered.totalRevenue]).toEqual([
      filtered.totalOrderCount,
      filtered.totalUnits,
      filtered.totalRevenue,
    ]);
    expect(unfiltered.buckets).toEqual(filtered.buckets);
  });
});
