import { openCursor } from "../shared/page-tokens.js";
import { Violations } from "../shared/violations.js";
import { type Bucket, MAX_BUCKETS } from "./bucket.js";
import { countBuckets } from "./bucket-boundaries.js";
import type { AnalyticsDeps } from "./ports.js";
import type { SalesFigures, SalesReport } from "./sales.js";
import { checkIdList, checkRange } from "./sales-request-rules.js";
import { ZoneCalendar } from "./time-zone.js";

export interface GetSalesReportCommand {
  readonly start: Date | undefined;
  readonly end: Date | undefined;
  readonly productIds: readonly string[];
  readonly categoryIds: readonly string[];
  /** Undefined: not given (refused). */
  readonly bucket: Bucket | undefined;
  /** Empty: UTC. */
  readonly timeZone: string;
  readonly includeLines: boolean;
  /** 0: the default. */
  readonly linesPageSize: number;
  readonly linesPageToken: string;
}

export const DEFAULT_LINES_PAGE_SIZE = 100;
export const MAX_LINES_PAGE_SIZE = 1_000;

/**
 * What sold over a range, bucket by bucket in a time zone's calendar, with totals and optionally a page of the
 * sale lines. Every check runs before any query, so a bad request costs no database work.
 */
export async function getSalesReport(
  deps: AnalyticsDeps,
  command: GetSalesReportCommand,
): Promise<SalesReport> {
  const v = new Violations();
  const range = checkRange(v, command.start, command.end);
  const productIds = checkIdList(v, "product_ids", command.productIds);
  const categoryIds = checkIdList(v, "category_ids", command.categoryIds);
  const zone = ZoneCalendar.of(command.timeZone === "" ? "UTC" : command.timeZone);
  if (!zone) v.add("time_zone", "is not an IANA time zone name (e.g. Europe/Berlin)");
  if (!command.bucket) v.add("bucket", "is required (BUCKET_NONE for one bucket over the whole range)");
  if (range && zone && command.bucket) {
    const count = countBuckets(range, command.bucket, zone);
    if (count > MAX_BUCKETS)
      v.add("bucket", `cuts the range into ${count} buckets; at most ${MAX_BUCKETS} are allowed`);
  }
  const size = linesPageSizeOf(v, command.linesPageSize);
  v.throwIfAny();
  if (!range || !zone || !command.bucket) throw new Error("unreachable: checked above");

  const filter = { productIds, categoryIds };
  // The token is bound to the range and filter it pages, so it cannot continue another report's lines.
  const scope = JSON.stringify([
    "analytics.sale_lines",
    range.start.getTime(),
    range.end.getTime(),
    productIds,
    categoryIds,
  ]);
  const cursor = command.includeLines
    ? openCursor(deps.pageTokens, "lines_page_token", scope, command.linesPageToken, [
        "number",
        "string",
        "number",
      ] as const)
    : undefined;

  const buckets = await deps.sales.salesByBucket({
    range,
    filter,
    bucket: command.bucket,
    timeZone: zone.name,
  });
  const total: SalesFigures = {
    // Every order falls in exactly one bucket (that of its create_time), so the buckets' counts add up.
    orderCount: buckets.reduce((sum, b) => sum + b.orderCount, 0),
    units: buckets.reduce((sum, b) => sum + b.units, 0),
    revenueMinor: buckets.reduce((sum, b) => sum + b.revenueMinor, 0),
  };
  const report: SalesReport = { timeZone: zone.name, buckets, total, currencyCode: deps.shopCurrency };
  if (!command.includeLines) return report;

  const rows = await deps.sales.saleLines({
    range,
    filter,
    after: cursor ? { orderTime: new Date(cursor[0]), orderId: cursor[1], lineNo: cursor[2] } : undefined,
    limit: size + 1,
  });
  const items = rows.slice(0, size);
  const last = items[items.length - 1];
  const nextPageToken =
    rows.length > size && last
      ? deps.pageTokens.seal(scope, [last.orderTime.getTime(), last.orderId, last.lineNo])
      : undefined;
  return { ...report, lines: { items, nextPageToken } };
}

function linesPageSizeOf(v: Violations, requested: number): number {
  if (!Number.isInteger(requested) || requested < 0) {
    v.add("lines_page_size", "must not be negative");
    return DEFAULT_LINES_PAGE_SIZE;
  }
  if (requested === 0) return DEFAULT_LINES_PAGE_SIZE;
  return Math.min(requested, MAX_LINES_PAGE_SIZE);
}
