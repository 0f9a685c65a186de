import type { Bucket, TimeRange } from "./bucket.js";

// What the reports are made of. A sale is a line of an order that is not CANCELLED, counted at the order's
// create_time and at the unit price captured when it was placed.

/** Which lines count: those of `productIds` or of products in `categoryIds`; with both empty, every line. */
export interface SalesFilter {
  readonly productIds: readonly string[];
  readonly categoryIds: readonly string[];
}

export interface SalesFigures {
  /** Orders with at least one matching line. */
  readonly orderCount: number;
  readonly units: number;
  /** Sum of quantity x unit price, in minor units of the shop currency. */
  readonly revenueMinor: number;
}

export interface BucketSales extends SalesFigures {
  readonly start: Date;
  readonly end: Date;
}

export interface SaleLine {
  readonly orderId: string;
  /** The line's position in its order, which with orderTime and orderId orders the lines of a report. */
  readonly lineNo: number;
  readonly productId: string;
  readonly productName: string;
  readonly quantity: number;
  readonly unitPriceMinor: number;
  readonly orderTime: Date;
}

export interface ProductSales {
  readonly productId: string;
  /** The product's current name. */
  readonly name: string;
  readonly units: number;
  readonly revenueMinor: number;
  readonly orderCount: number;
}

export type Ranking = "REVENUE" | "UNITS";

export interface SalesReport {
  readonly timeZone: string;
  readonly buckets: readonly BucketSales[];
  readonly total: SalesFigures;
  readonly currencyCode: string;
  /** Present when lines were asked for: one page of them, and a token for the next (absent on the last). */
  readonly lines?: { readonly items: readonly SaleLine[]; readonly nextPageToken?: string | undefined };
}

export interface BucketedSalesQuery {
  readonly range: TimeRange;
  readonly filter: SalesFilter;
  readonly bucket: Bucket;
  /** A zone name the domain's calendar accepted. */
  readonly timeZone: string;
}

/** Keyset position after a sale line: lines are ordered by order time, order id, then line number. */
export interface SaleLineCursor {
  readonly orderTime: Date;
  readonly orderId: string;
  readonly lineNo: number;
}
