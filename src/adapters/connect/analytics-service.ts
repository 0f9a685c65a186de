import type { Timestamp } from "@bufbuild/protobuf/wkt";
import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import type { ServiceImpl } from "@connectrpc/connect";
import {
  AnalyticsService,
  Bucket as ProtoBucket,
  Ranking as ProtoRanking,
} from "../../../gen/shopfloor/analytics/v1/analytics_pb.js";
import type { Bucket } from "../../domain/analytics/bucket.js";
import { getSalesReport } from "../../domain/analytics/get-sales-report.js";
import { getTopProducts } from "../../domain/analytics/get-top-products.js";
import type { AnalyticsDeps } from "../../domain/analytics/ports.js";
import type { Ranking } from "../../domain/analytics/sales.js";
import { InvalidArgument } from "../../domain/shared/errors.js";
import { moneyToProto } from "./money-mapping.js";

// Admin only (access-policy.ts). The handlers translate; the rules are in src/domain/analytics.

const BUCKETS = new Map<ProtoBucket, Bucket>([
  [ProtoBucket.NONE, "NONE"],
  [ProtoBucket.DAY, "DAY"],
  [ProtoBucket.WEEK, "WEEK"],
  [ProtoBucket.MONTH, "MONTH"],
  [ProtoBucket.YEAR, "YEAR"],
]);

const RANKINGS = new Map<ProtoRanking, Ranking>([
  [ProtoRanking.REVENUE, "REVENUE"],
  [ProtoRanking.UNITS, "UNITS"],
]);

/** Unspecified is undefined (the use case decides); a number outside the enum is refused. */
function enumFromProto<P extends number, D>(field: string, value: P, known: Map<P, D>): D | undefined {
  if (value === 0) return undefined;
  const mapped = known.get(value);
  if (mapped === undefined) throw InvalidArgument.field(field, `${value} is not a value of the enum`);
  return mapped;
}

/**
 * A Timestamp as a Date, rounded up to the millisecond orders are stored at: a sale at millisecond t is in
 * [start, end) exactly when t >= ceil(start) and t < ceil(end), so the rounding changes no answer.
 */
function instantFromProto(ts: Timestamp | undefined): Date | undefined {
  if (!ts) return undefined;
  return new Date(Number(ts.seconds) * 1000 + Math.ceil(ts.nanos / 1_000_000));
}

export function analyticsService(deps: AnalyticsDeps): ServiceImpl<typeof AnalyticsService> {
  return {
    async getSalesReport(req) {
      const report = await getSalesReport(deps, {
        start: instantFromProto(req.startTime),
        end: instantFromProto(req.endTime),
        productIds: req.productIds,
        categoryIds: req.categoryIds,
        bucket: enumFromProto("bucket", req.bucket, BUCKETS),
        timeZone: req.timeZone,
        includeLines: req.includeLines,
        linesPageSize: req.linesPageSize,
        linesPageToken: req.linesPageToken,
      });
      const money = (amountMinor: number) => moneyToProto({ currencyCode: report.currencyCode, amountMinor });
      return {
        buckets: report.buckets.map((b) => ({
          startTime: timestampFromDate(b.start),
          endTime: timestampFromDate(b.end),
          orderCount: BigInt(b.orderCount),
          units: BigInt(b.units),
          revenue: money(b.revenueMinor),
        })),
        totalOrderCount: BigInt(report.total.orderCount),
        totalUnits: BigInt(report.total.units),
        totalRevenue: money(report.total.revenueMinor),
        lines: (report.lines?.items ?? []).map((line) => ({
          orderId: line.orderId,
          productId: line.productId,
          quantity: line.quantity,
          unitPrice: money(line.unitPriceMinor),
          orderTime: timestampFromDate(line.orderTime),
          productName: line.productName,
        })),
        nextLinesPageToken: report.lines?.nextPageToken ?? "",
        timeZone: report.timeZone,
      };
    },
    async getTopProducts(req) {
      const top = await getTopProducts(deps, {
        start: instantFromProto(req.startTime),
        end: instantFromProto(req.endTime),
        ranking: enumFromProto("ranking", req.ranking, RANKINGS),
        limit: req.limit,
        categoryIds: req.categoryIds,
      });
      return {
        products: top.products.map((p) => ({
          productId: p.productId,
          name: p.name,
          units: BigInt(p.units),
          revenue: moneyToProto({ currencyCode: top.currencyCode, amountMinor: p.revenueMinor }),
          orderCount: BigInt(p.orderCount),
        })),
      };
    },
  };
}

export { AnalyticsService };
