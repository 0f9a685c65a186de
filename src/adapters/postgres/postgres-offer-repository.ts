import type { ListedOffer, Offer, PricePoint } from "../../domain/offers/offer.js";
import type { OfferRepository } from "../../domain/offers/ports.js";
import type { SqlExecutor } from "./database.js";

interface OfferRow {
  product_id: string;
  offer_id: string;
  price_minor: number;
  items_in_stock: number;
  first_seen_time: Date;
  update_time: Date;
}

interface PointRow {
  time: Date;
  min_price_minor: number | null;
  max_price_minor: number | null;
  offer_count: number;
}

const toPoint = (r: PointRow): PricePoint => ({
  time: r.time,
  minPriceMinor: r.min_price_minor ?? undefined,
  maxPriceMinor: r.max_price_minor ?? undefined,
  offerCount: r.offer_count,
});

export class PostgresOfferRepository implements OfferRepository {
  constructor(private readonly sql: SqlExecutor) {}

  async replaceCurrent(productId: string, offers: readonly ListedOffer[], time: Date): Promise<void> {
    const ids = offers.map((o) => o.id);
    await this.sql`
      delete from product_offers
      where product_id = ${productId} ${ids.length > 0 ? this.sql`and offer_id not in ${this.sql(ids)}` : this.sql``}`;
    if (offers.length === 0) return;
    const rows = offers.map((o) => ({
      product_id: productId,
      offer_id: o.id,
      price_minor: o.priceMinor,
      items_in_stock: o.itemsInStock,
      first_seen_time: time,
      update_time: time,
    }));
    await this.sql`
      insert into product_offers ${this.sql(rows)}
      on conflict (product_id, offer_id) do update
      set price_minor = excluded.price_minor, items_in_stock = excluded.items_in_stock,
          update_time = excluded.update_time`;
  }

  async listCurrent(query: {
    readonly productId: string;
    readonly after?: { readonly priceMinor: number; readonly offerId: string } | undefined;
    readonly limit: number;
  }): Promise<Offer[]> {
    const rows = await this.sql<OfferRow[]>`
      select * from product_offers
      where product_id = ${query.productId}
        ${
          query.after
            ? this.sql`and (price_minor, offer_id) > (${query.after.priceMinor}, ${query.after.offerId})`
            : this.sql``
        }
      order by price_minor, offer_id
      limit ${query.limit}`;
    return rows.map((r) => ({
      id: r.offer_id,
      productId: r.product_id,
      priceMinor: r.price_minor,
      itemsInStock: r.items_in_stock,
      firstSeenTime: r.first_seen_time,
      updateTime: r.update_time,
    }));
  }

  async appendPricePoint(productId: string, point: PricePoint, refreshRun: Date | undefined): Promise<void> {
    await this.sql`
      insert into offer_price_points
        (product_id, time, min_price_minor, max_price_minor, offer_count, refresh_run)
      values (${productId}, ${point.time}, ${point.minPriceMinor ?? null}, ${point.maxPriceMinor ?? null},
              ${point.offerCount}, ${refreshRun ?? null})`;
  }

  async listPricePoints(query: {
    readonly productId: string;
    readonly from: Date | undefined;
    readonly to: Date;
    readonly maxPoints: number;
  }): Promise<PricePoint[]> {
    const { productId, to } = query;
    const range = query.from ? this.sql`and time >= ${query.from}` : this.sql``;
    const [stats] = await this.sql<{ n: number; first: Date | null }[]>`
      select count(*)::int as n, min(time) as first from offer_price_points
      where product_id = ${productId} and time < ${to} ${range}`;
    if (!stats?.first || stats.n === 0) return [];
    if (stats.n <= query.maxPoints) {
      const rows = await this.sql<PointRow[]>`
        select time, min_price_minor, max_price_minor, offer_count from offer_price_points
        where product_id = ${productId} and time < ${to} ${range}
        order by time, id`;
      return rows.map(toPoint);
    }
    // Equal spans of [from, to): each span's lowest min, highest max, the count at its last refresh.
    const from = query.from ?? stats.first;
    const spanMs = Math.max(1, (to.getTime() - from.getTime()) / query.maxPoints);
    const rows = await this.sql<PointRow[]>`
      select min(time) as time, min(min_price_minor) as min_price_minor,
             max(max_price_minor) as max_price_minor,
             (array_agg(offer_count order by time desc, id desc))[1] as offer_count
      from offer_price_points
      where product_id = ${productId} and time < ${to} ${range}
      group by least(floor(extract(epoch from (time - ${from}::timestamptz)) * 1000 / ${spanMs}),
                     ${query.maxPoints - 1})
      order by 1`;
    return rows.map(toPoint);
  }
}
