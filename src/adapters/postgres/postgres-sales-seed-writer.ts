import type { Sql } from "./database.js";

// Bulk writes of generated demo data (`npm run seed`, the embedded demo): many rows per statement, one
// transaction per batch, straight into the tables the contexts own. It bypasses the use cases on purpose:
// seeded orders are history, not new activity, so they take no stock and publish no events; products get the
// ledger row of their initial stock so the catalog's ledger invariant (deltas sum to stock) holds.

export interface SeedCategory {
  readonly id: string;
  readonly slug: string;
  readonly name: string;
  readonly description: string;
}

export interface SeedProduct {
  readonly id: string;
  readonly categoryId: string;
  readonly name: string;
  readonly description: string;
  readonly priceMinor: number;
  readonly stock: number;
}

export interface SeedCustomer {
  readonly id: string;
  readonly email: string;
  readonly username: string;
  readonly createTime: Date;
}

export type SeedStatus = "PENDING" | "PAID" | "SHIPPED" | "DELIVERED" | "CANCELLED";

export interface SeedOrder {
  readonly id: string;
  readonly customerId: string;
  readonly createTime: Date;
  readonly lines: ReadonlyArray<{
    readonly productId: string;
    readonly productName: string;
    readonly quantity: number;
    readonly unitPriceMinor: number;
  }>;
  /** Every status it entered, the first PENDING at createTime; the last is its status now. */
  readonly history: ReadonlyArray<{ readonly status: SeedStatus; readonly time: Date }>;
}

// Multi-row VALUES take one parameter per column; PostgreSQL allows 65,535 per statement.
const MAX_PARAMETERS = 60_000;

function chunks<T>(rows: readonly T[], columns: number): T[][] {
  const size = Math.max(1, Math.floor(MAX_PARAMETERS / columns));
  const out: T[][] = [];
  for (let i = 0; i < rows.length; i += size) out.push(rows.slice(i, i + size));
  return out;
}

export class PostgresSalesSeedWriter {
  constructor(private readonly sql: Sql) {}

  /** Categories and products with their initial stock (and its ledger row). */
  async writeCatalog(
    categories: readonly SeedCategory[],
    products: readonly SeedProduct[],
    currencyCode: string,
    createTime: Date,
  ): Promise<void> {
    await this.sql.begin(async (tx) => {
      const categoryRows = categories.map((c) => ({ ...c, create_time: createTime }));
      for (const chunk of chunks(categoryRows, 5))
        await tx`insert into categories ${tx(chunk, "id", "slug", "name", "description", "create_time")}`;
      const productRows = products.map((p) => ({
        id: p.id,
        category_id: p.categoryId,
        name: p.name,
        description: p.description,
        price_minor: p.priceMinor,
        currency_code: currencyCode,
        stock_quantity: p.stock,
        create_time: createTime,
        update_time: createTime,
      }));
      for (const chunk of chunks(productRows, 9)) await tx`insert into products ${tx(chunk)}`;
      const ledgerRows = products
        .filter((p) => p.stock > 0)
        .map((p) => ({
          // The product's id is unique, so it serves as the id of its one initial movement too.
          id: p.id,
          product_id: p.id,
          delta: p.stock,
          resulting_quantity: p.stock,
          reason: "initial stock (seed)",
          create_time: createTime,
        }));
      for (const chunk of chunks(ledgerRows, 6)) await tx`insert into stock_movements ${tx(chunk)}`;
    });
  }

  /** Customers, all with the same password hash (they are demo accounts). */
  async writeCustomers(customers: readonly SeedCustomer[], passwordHash: string): Promise<void> {
    const rows = customers.map((c) => ({
      id: c.id,
      email: c.email,
      username: c.username,
      role: "CUSTOMER",
      password_hash: passwordHash,
      create_time: c.createTime,
    }));
    await this.sql.begin(async (tx) => {
      for (const chunk of chunks(rows, 6)) await tx`insert into users ${tx(chunk)}`;
    });
  }

  /**
   * One batch of orders with their lines and histories, in one transaction: a statement per table, each
   * column one array parameter unnested server-side, which parses far less than multi-row VALUES.
   */
  async writeOrders(orders: readonly SeedOrder[], currencyCode: string): Promise<void> {
    const o = { id: [] as string[], customer: [] as string[], status: [] as string[], total: [] as number[] };
    const times = { create: [] as string[], update: [] as string[] };
    const l = {
      order: [] as string[],
      lineNo: [] as number[],
      product: [] as string[],
      name: [] as string[],
    };
    const lq = { quantity: [] as number[], price: [] as number[] };
    const h = { order: [] as string[], seq: [] as number[], status: [] as string[], actor: [] as string[] };
    const ha = { actorId: [] as (string | null)[], time: [] as string[] };
    for (const order of orders) {
      const last = order.history[order.history.length - 1] ?? { status: "PENDING", time: order.createTime };
      o.id.push(order.id);
      o.customer.push(order.customerId);
      o.status.push(last.status);
      o.total.push(order.lines.reduce((sum, line) => sum + line.quantity * line.unitPriceMinor, 0));
      times.create.push(order.createTime.toISOString());
      times.update.push(last.time.toISOString());
      order.lines.forEach((line, lineNo) => {
        l.order.push(order.id);
        l.lineNo.push(lineNo);
        l.product.push(line.productId);
        l.name.push(line.productName);
        lq.quantity.push(line.quantity);
        lq.price.push(line.unitPriceMinor);
      });
      order.history.forEach((change, seq) => {
        // Customers place and cancel their orders; the fulfilment simulator moves the rest.
        const byCustomer = seq === 0 || change.status === "CANCELLED";
        h.order.push(order.id);
        h.seq.push(seq);
        h.status.push(change.status);
        h.actor.push(byCustomer ? "customer" : "system");
        ha.actorId.push(byCustomer ? order.customerId : null);
        ha.time.push(change.time.toISOString());
      });
    }
    await this.sql.begin(async (tx) => {
      await tx`
        insert into orders (id, customer_id, status, total_minor, currency_code, create_time, update_time)
        select id, customer_id, status, total_minor, ${currencyCode}, create_time, update_time
        from unnest(${o.id}::uuid[], ${o.customer}::uuid[], ${o.status}::text[], ${o.total}::int8[],
                    ${times.create}::timestamptz[], ${times.update}::timestamptz[])
          as t (id, customer_id, status, total_minor, create_time, update_time)`;
      await tx`
        insert into order_items (order_id, line_no, product_id, product_name, quantity, unit_price_minor,
                                 currency_code)
        select order_id, line_no, product_id, product_name, quantity, unit_price_minor, ${currencyCode}
        from unnest(${l.order}::uuid[], ${l.lineNo}::int2[], ${l.product}::uuid[], ${l.name}::text[],
                    ${lq.quantity}::int4[], ${lq.price}::int8[])
          as t (order_id, line_no, product_id, product_name, quantity, unit_price_minor)`;
      await tx`
        insert into order_status_changes (order_id, seq, status, actor_type, actor_id, change_time)
        select * from unnest(${h.order}::uuid[], ${h.seq}::int2[], ${h.status}::text[], ${h.actor}::text[],
                             ${ha.actorId}::uuid[], ${ha.time}::timestamptz[])`;
    });
  }

  /** The catalog's products that can be sold, for seeding sales of an existing catalog (the embedded demo). */
  async sellableProducts(): Promise<SeedProduct[]> {
    const rows = await this.sql<
      {
        id: string;
        category_id: string;
        name: string;
        description: string;
        price_minor: number;
        stock_quantity: number;
      }[]
    >`select id, category_id, name, description, price_minor, stock_quantity from products
      where not archived order by create_time, id`;
    return rows.map((r) => ({
      id: r.id,
      categoryId: r.category_id,
      name: r.name,
      description: r.description,
      priceMinor: r.price_minor,
      stock: r.stock_quantity,
    }));
  }

  async hasOrders(): Promise<boolean> {
    const [row] = await this.sql<{ any: boolean }[]>`select exists (select 1 from orders) as any`;
    return row?.any ?? false;
  }
}
