import postgres from "postgres";
import type { Bucket, TimeRange } from "../../domain/analytics/bucket.js";
import type { SalesReadModel } from "../../domain/analytics/ports.js";
import type {
  BucketedSalesQuery,
  BucketSales,
  ProductSales,
  Ranking,
  SaleLine,
  SaleLineCursor,
  SalesFilter,
} from "../../domain/analytics/sales.js";
import { InvalidArgument } from "../../domain/shared/errors.js";
import type { Sql } from "./database.js";

// Sales, read from orders and order_items (004) over the indexes of 010. Buckets are cut in SQL on the zone's
// wall clock: date_trunc of the local time for each order, generate_series over local times for the empty
// buckets, both joined on the local bucket start, so an order's bucket and the bucket list can never disagree.

const UNIT: Record<Exclude<Bucket, "NONE">, string> = {
  DAY: "day",
  WEEK: "week", // date_trunc's week is the ISO week, from Monday
  MONTH: "month",
  YEAR: "year",
};

/** The rollups' slot: a quarter hour of UTC time. */
const SLOT_MS = 15 * 60_000;

/** The whole slots inside a range, or undefined when there are none. */
function alignedPart(range: TimeRange): TimeRange | undefined {
  const start = Math.ceil(range.start.getTime() / SLOT_MS) * SLOT_MS;
  const end = Math.floor(range.end.getTime() / SLOT_MS) * SLOT_MS;
  return start < end ? { start: new Date(start), end: new Date(end) } : undefined;
}

const DAY_MS = 86_400_000;

/** The whole UTC days inside a range, or undefined when there are none. */
function wholeDaysOf(range: TimeRange): TimeRange | undefined {
  const start = Math.ceil(range.start.getTime() / DAY_MS) * DAY_MS;
  const end = Math.floor(range.end.getTime() / DAY_MS) * DAY_MS;
  return start < end ? { start: new Date(start), end: new Date(end) } : undefined;
}

const isoDate = (d: Date) => d.toISOString().slice(0, 10);

interface BucketRow {
  start_at: Date;
  order_count: number;
  units: number;
  revenue: number;
}

export class PostgresSalesReadModel implements SalesReadModel {
  constructor(private readonly sql: Sql) {}

  async salesByBucket(query: BucketedSalesQuery): Promise<BucketSales[]> {
    const products = await this.productsOf(query.filter);
    // Unfiltered reports sum the 15-minute rollups (010) over the whole slots of the range and read lines only
    // for the clipped quarter hours at its ends; filtered ones read the lines (an order's count cannot be
    // split by product).
    if (!products) {
      const aligned = alignedPart(query.range);
      if (aligned) {
        const buckets = await this.bucketsFrom(query, this.fromRollups(query, aligned));
        // Slots lie inside buckets only when every bucket starts on a quarter hour, as it does in every zone
        // since the 1970s; earlier local mean times are read from the lines.
        if (buckets.slice(1).every((b) => b.start.getTime() % SLOT_MS === 0)) return buckets;
      }
    }
    return this.bucketsFrom(query, this.fromLines(query, products, this.timeIn(query.range)));
  }

  /** The buckets of the range with the figures `perBucket` gives per local bucket start. */
  private async bucketsFrom(
    query: BucketedSalesQuery,
    perBucket: (localStart: postgres.Fragment) => postgres.Fragment,
  ) {
    const { range } = query;
    if (query.bucket === "NONE") {
      // date_trunc of a null unit is null: one bucket.
      const [row] = await this.inZone(
        query.timeZone,
        this.sql<Omit<BucketRow, "start_at">[]>`
          with per_bucket as (${perBucket(this.sql`null::text`)})
          select coalesce(sum(order_count), 0)::int8 as order_count, coalesce(sum(units), 0)::int8 as units,
                 coalesce(sum(revenue), 0)::int8 as revenue
          from per_bucket`,
      );
      return [{ start: range.start, end: range.end, ...figures(row) }];
    }
    const unit = UNIT[query.bucket];
    const zone = query.timeZone;
    const rows = await this.inZone(
      zone,
      this.sql<BucketRow[]>`
        with series as (
          select local_start
          from generate_series(
            date_trunc(${unit}, ${range.start}::timestamptz at time zone ${zone}::text),
            ${range.end}::timestamptz at time zone ${zone}::text,
            ${`1 ${unit}`}::interval
          ) as local_start
        ),
        per_bucket as (
          select local_start, sum(order_count)::int8 as order_count, sum(units)::int8 as units,
                 sum(revenue)::int8 as revenue
          from (${perBucket(this.sql`${unit}::text`)}) as figures
          group by local_start
        )
        select (local_start at time zone ${zone}::text) as start_at,
               coalesce(b.order_count, 0)::int8 as order_count, coalesce(b.units, 0)::int8 as units,
               coalesce(b.revenue, 0)::int8 as revenue
        from series s full join per_bucket b using (local_start)
        where (local_start at time zone ${zone}::text) < ${range.end}::timestamptz
        order by local_start`,
    );
    // The first bucket is clipped to the range's start and the last to its end; every other bucket starts at
    // a local midnight and ends where the next starts.
    return rows.map((row, i) => ({
      start: i === 0 ? range.start : row.start_at,
      end: rows[i + 1]?.start_at ?? range.end,
      ...figures(row),
    }));
  }

  /**
   * Figures per local bucket start from the lines of orders placed when `time` holds. `unit` is the date_trunc
   * unit as a fragment (or null for one bucket); the bucket is taken on the zone's wall clock, as the series.
   */
  private fromLines(
    query: BucketedSalesQuery,
    products: readonly string[] | undefined,
    time: postgres.Fragment,
  ) {
    return (unit: postgres.Fragment) => this.sql`
      select local_start, count(*) as order_count, sum(units) as units, sum(revenue) as revenue
      from (
        select o.id, date_trunc(${unit}, o.create_time at time zone ${query.timeZone}::text) as local_start,
               sum(i.quantity) as units, sum(i.quantity * i.unit_price_minor) as revenue
        from orders o join order_items i on i.order_id = o.id
        where o.status <> 'CANCELLED' and ${time}
          ${products ? this.sql`and i.product_id = any(${products as string[]}::uuid[])` : this.sql``}
        group by o.id
      ) as per_order
      group by local_start`;
  }

  /** Figures per local bucket start from the rollups of the whole slots, plus the lines of the clipped ends. */
  private fromRollups(query: BucketedSalesQuery, aligned: TimeRange) {
    const { range } = query;
    const edges = this.sql`((o.create_time >= ${range.start} and o.create_time < ${aligned.start})
                         or (o.create_time >= ${aligned.end} and o.create_time < ${range.end}))`;
    const lines = this.fromLines(query, undefined, edges);
    return (unit: postgres.Fragment) => this.sql`
      select date_trunc(${unit}, s.slot at time zone ${query.timeZone}::text) as local_start,
             sum(s.orders) as order_count, sum(s.units) as units, sum(s.revenue_minor) as revenue
      from sales_slots s
      where s.slot >= ${aligned.start} and s.slot < ${aligned.end}
      group by 1
      union all
      ${lines(unit)}`;
  }

  private timeIn(range: TimeRange): postgres.Fragment {
    return this.sql`o.create_time >= ${range.start} and o.create_time < ${range.end}`;
  }

  async saleLines(query: {
    range: TimeRange;
    filter: SalesFilter;
    after: SaleLineCursor | undefined;
    limit: number;
  }): Promise<SaleLine[]> {
    const products = await this.productsOf(query.filter);
    const { range, after } = query;
    const rows = await this.sql<
      {
        order_id: string;
        line_no: number;
        product_id: string;
        product_name: string;
        quantity: number;
        unit_price_minor: number;
        create_time: Date;
      }[]
    >`
      select o.id as order_id, i.line_no, i.product_id, i.product_name, i.quantity, i.unit_price_minor,
             o.create_time
      from orders o join order_items i on i.order_id = o.id
      where o.status <> 'CANCELLED' and o.create_time >= ${range.start} and o.create_time < ${range.end}
        ${products ? this.sql`and i.product_id = any(${products}::uuid[])` : this.sql``}
        ${
          after
            ? this
                .sql`and (o.create_time, o.id, i.line_no) > (${after.orderTime}::timestamptz, ${after.orderId}::uuid, ${after.lineNo})`
            : this.sql``
        }
      order by o.create_time, o.id, i.line_no
      limit ${query.limit}`;
    return rows.map((r) => ({
      orderId: r.order_id,
      lineNo: r.line_no,
      productId: r.product_id,
      productName: r.product_name,
      quantity: r.quantity,
      unitPriceMinor: r.unit_price_minor,
      orderTime: r.create_time,
    }));
  }

  async topProducts(query: {
    range: TimeRange;
    filter: SalesFilter;
    ranking: Ranking;
    limit: number;
  }): Promise<ProductSales[]> {
    const products = await this.productsOf(query.filter);
    const { range } = query;
    const order =
      query.ranking === "UNITS"
        ? this.sql`t.units desc, t.revenue desc, t.product_id`
        : this.sql`t.revenue desc, t.units desc, t.product_id`;
    const productFilter = products
      ? this.sql`and product_id = any(${products as string[]}::uuid[])`
      : this.sql``;
    const lineFilter = products
      ? this.sql`and i.product_id = any(${products as string[]}::uuid[])`
      : this.sql``;
    // The range's whole UTC days come from the daily rollups (010), the partial days at its ends from the lines.
    // A product is on an order at most once (order_items_product_once), so its lines count its orders.
    const days = wholeDaysOf(range);
    const lineTime = days
      ? this.sql`((o.create_time >= ${range.start} and o.create_time < ${days.start})
               or (o.create_time >= ${days.end} and o.create_time < ${range.end}))`
      : this.timeIn(range);
    const rolled = days
      ? this.sql`
          select product_id, units, revenue_minor as revenue, orders as order_count from product_sales_days
          where day >= ${isoDate(days.start)}::date and day < ${isoDate(days.end)}::date ${productFilter}
          union all`
      : this.sql``;
    const rows = await this.sql<
      { product_id: string; name: string; units: number; revenue: number; order_count: number }[]
    >`
      select t.product_id, p.name, t.units, t.revenue, t.order_count
      from (
        select product_id, sum(units)::int8 as units, sum(revenue)::int8 as revenue,
               sum(order_count)::int8 as order_count
        from (
          ${rolled}
          select i.product_id, i.quantity as units, i.quantity * i.unit_price_minor as revenue, 1 as order_count
          from orders o join order_items i on i.order_id = o.id
          where o.status <> 'CANCELLED' and ${lineTime} ${lineFilter}
        ) as figures
        group by product_id
        having sum(order_count) > 0
      ) t join products p on p.id = t.product_id
      order by ${order}
      limit ${query.limit}`;
    return rows.map((r) => ({
      productId: r.product_id,
      name: r.name,
      units: r.units,
      revenueMinor: r.revenue,
      orderCount: r.order_count,
    }));
  }

  /** The products a filter selects, or undefined for "every product" (no filter). */
  private async productsOf(filter: SalesFilter): Promise<string[] | undefined> {
    if (filter.productIds.length === 0 && filter.categoryIds.length === 0) return undefined;
    if (filter.categoryIds.length === 0) return [...filter.productIds];
    const rows = await this.sql<{ id: string }[]>`
      select id from products where category_id = any(${filter.categoryIds as string[]}::uuid[])`;
    return [...new Set([...filter.productIds, ...rows.map((r) => r.id)])];
  }

  /** Runs a query that names a zone, turning "time zone not recognized" into the caller's mistake. */
  private async inZone<T>(zone: string, query: Promise<T>): Promise<T> {
    try {
      return await query;
    } catch (error) {
      if (
        error instanceof postgres.PostgresError &&
        error.code === "22023" &&
        /time zone/i.test(error.message)
      )
        throw InvalidArgument.field("time_zone", `${zone} is not a time zone the database knows`);
      throw error;
    }
  }
}

const figures = (row: Omit<BucketRow, "start_at"> | undefined) => ({
  orderCount: row?.order_count ?? 0,
  units: row?.units ?? 0,
  revenueMinor: row?.revenue ?? 0,
});
