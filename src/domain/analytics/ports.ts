import type { PageTokens } from "../shared/page-tokens.js";
import type { TimeRange } from "./bucket.js";
import type {
  BucketedSalesQuery,
  BucketSales,
  ProductSales,
  Ranking,
  SaleLine,
  SaleLineCursor,
  SalesFilter,
} from "./sales.js";

/** Reads the sales held by the ordering context's orders; nothing in analytics writes. */
export interface SalesReadModel {
  /**
   * Every bucket of the range in order, empty ones with zeros, tiling the range (first clipped to its start,
   * last to its end). An order falls in the bucket of its create_time. Throws InvalidArgument on time_zone
   * when the database does not know the zone.
   */
  salesByBucket(query: BucketedSalesQuery): Promise<BucketSales[]>;
  /** Matching lines in the range, after `after`, in (order time, order id, line number) order. */
  saleLines(query: {
    readonly range: TimeRange;
    readonly filter: SalesFilter;
    readonly after: SaleLineCursor | undefined;
    readonly limit: number;
  }): Promise<SaleLine[]>;
  /** Products with sales in the range, best first by `ranking`, ties by the other measure then by id. */
  topProducts(query: {
    readonly range: TimeRange;
    readonly filter: SalesFilter;
    readonly ranking: Ranking;
    readonly limit: number;
  }): Promise<ProductSales[]>;
}

export interface AnalyticsDeps {
  readonly sales: SalesReadModel;
  readonly pageTokens: PageTokens;
  /** ISO 4217 code every price is in (SHOP_CURRENCY). */
  readonly shopCurrency: string;
}
