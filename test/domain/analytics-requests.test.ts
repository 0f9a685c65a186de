import { describe, expect, it } from "vitest";
import { getSalesReport } from "../../src/domain/analytics/get-sales-report.js";
import { getTopProducts } from "../../src/domain/analytics/get-top-products.js";
import type { AnalyticsDeps, SalesReadModel } from "../../src/domain/analytics/ports.js";
import { InvalidArgument } from "../../src/domain/shared/errors.js";
import { FakePageTokens } from "../support/fakes/catalog-fakes.js";

// The checks of GetSalesReport and GetTopProducts: every bad field reported at once, and none of them costing
// a query (the read model is never reached).

function deps(): AnalyticsDeps & { readonly queries: string[] } {
  const queries: string[] = [];
  const sales: SalesReadModel = {
    async salesByBucket(query) {
      queries.push("buckets");
      return [{ start: query.range.start, end: query.range.end, orderCount: 2, units: 3, revenueMinor: 400 }];
    },
    async saleLines() {
      queries.push("lines");
      return [];
    },
    async topProducts() {
      queries.push("top");
      return [];
    },
  };
  return { sales, pageTokens: new FakePageTokens(), shopCurrency: "EUR", queries };
}

const report = {
  start: new Date("2024-01-01T00:00:00Z"),
  end: new Date("2025-01-01T00:00:00Z"),
  productIds: [],
  categoryIds: [],
  bucket: "MONTH",
  timeZone: "",
  includeLines: false,
  linesPageSize: 0,
  linesPageToken: "",
} as const;

async function violationsOf(promise: Promise<unknown>): Promise<string[]> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(InvalidArgument);
  return (error as InvalidArgument).violations.map((v) => `${v.field}: ${v.description}`);
}

const ID = "0190f0e0-0000-7000-8000-000000000001";

describe("GetSalesReport's checks", () => {
  it("answers a valid request in UTC when no zone is given", async () => {
    const d = deps();
    const answer = await getSalesReport(d, report);
    expect(answer.timeZone).toBe("UTC");
    expect(answer.total).toEqual({ orderCount: 2, units: 3, revenueMinor: 400 });
    expect(d.queries).toEqual(["buckets"]);
  });

  it("refuses an end not after the start, and a missing start or end", async () => {
    const d = deps();
    expect(await violationsOf(getSalesReport(d, { ...report, end: report.start }))).toEqual([
      "end_time: must be after start_time",
    ]);
    expect(await violationsOf(getSalesReport(d, { ...report, start: undefined, end: undefined }))).toEqual([
      "start_time: is required",
      "end_time: is required",
    ]);
    expect(d.queries).toEqual([]);
  });

  it("refuses an unknown time zone and a missing bucket, both at once", async () => {
    const d = deps();
    const violations = await violationsOf(
      getSalesReport(d, { ...report, timeZone: "Mars/Olympus_Mons", bucket: undefined }),
    );
    expect(violations.map((v) => v.split(":")[0])).toEqual(["time_zone", "bucket"]);
    expect(d.queries).toEqual([]);
  });

  it("refuses more than 10,000 buckets, counted without enumerating them", async () => {
    const d = deps();
    const longAgo = {
      ...report,
      start: new Date("0001-01-01T00:00:00Z"),
      end: new Date("9999-01-01T00:00:00Z"),
    };
    expect(await violationsOf(getSalesReport(d, { ...longAgo, bucket: "DAY" }))).toEqual([
      "bucket: cuts the range into 3651694 buckets; at most 10000 are allowed", // days from 0001-01-01 to 9999-01-01
    ]);
    // 10,000 days exactly is allowed; one more is not.
    const start = new Date("2000-01-01T00:00:00Z");
    const days = (n: number) => new Date(start.getTime() + n * 86_400_000);
    await getSalesReport(d, { ...report, start, end: days(10_000), bucket: "DAY" });
    expect(
      await violationsOf(getSalesReport(d, { ...report, start, end: days(10_001), bucket: "DAY" })),
    ).toEqual(["bucket: cuts the range into 10001 buckets; at most 10000 are allowed"]);
    await getSalesReport(d, { ...longAgo, bucket: "YEAR" });
    expect(d.queries).toEqual(["buckets", "buckets"]);
  });

  it("refuses more than 1,000 ids in a filter, and malformed ids by position", async () => {
    const d = deps();
    const many = Array.from({ length: 1001 }, () => ID);
    expect(await violationsOf(getSalesReport(d, { ...report, productIds: many }))).toEqual([
      "product_ids: must hold at most 1000 ids",
    ]);
    expect(await violationsOf(getSalesReport(d, { ...report, categoryIds: [ID, "nope"] }))).toEqual([
      "category_ids[1]: is not a valid id",
    ]);
    await getSalesReport(d, { ...report, productIds: many.slice(0, 1000) });
    expect(d.queries).toEqual(["buckets"]);
  });

  it("refuses a negative lines page size and a page token it did not issue", async () => {
    const d = deps();
    expect(
      await violationsOf(getSalesReport(d, { ...report, includeLines: true, linesPageSize: -1 })),
    ).toEqual(["lines_page_size: must not be negative"]);
    expect(
      (await violationsOf(getSalesReport(d, { ...report, includeLines: true, linesPageToken: "forged" })))[0],
    ).toMatch(/^lines_page_token:/);
    expect(d.queries).toEqual([]);
  });
});

describe("GetTopProducts' checks", () => {
  const top = { start: report.start, end: report.end, ranking: undefined, limit: 0, categoryIds: [] };

  it("ranks by revenue, ten products, unless told otherwise", async () => {
    const d = deps();
    let asked: unknown;
    d.sales.topProducts = async (query) => {
      asked = query;
      return [];
    };
    await getTopProducts(d, top);
    expect(asked).toMatchObject({ ranking: "REVENUE", limit: 10 });
  });

  it("refuses a limit above 100 or below 0 and a bad range", async () => {
    const d = deps();
    expect(await violationsOf(getTopProducts(d, { ...top, limit: 101 }))).toEqual([
      "limit: must be between 1 and 100 (0 for 10)",
    ]);
    expect(await violationsOf(getTopProducts(d, { ...top, limit: -1, end: top.start }))).toEqual([
      "end_time: must be after start_time",
      "limit: must be between 1 and 100 (0 for 10)",
    ]);
    expect(d.queries).toEqual([]);
  });
});
