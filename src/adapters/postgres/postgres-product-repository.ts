import type {
  LowStockQuery,
  ProductListQuery,
  ProductRepository,
  StockDeltaResult,
} from "../../domain/catalog/ports.js";
import type { Product } from "../../domain/catalog/product.js";
import type { ProductSortKey } from "../../domain/catalog/product-sort.js";
import { MAX_STOCK } from "../../domain/catalog/stock.js";
import { isId } from "../../domain/shared/id-format.js";
import type { SqlExecutor } from "./database.js";

interface ProductRow {
  id: string;
  category_id: string;
  name: string;
  description: string;
  price_minor: number;
  currency_code: string;
  stock_quantity: number;
  archived: boolean;
  create_time: Date;
  update_time: Date;
}

const toProduct = (r: ProductRow): Product => ({
  id: r.id,
  name: r.name,
  description: r.description,
  categoryId: r.category_id,
  price: { currencyCode: r.currency_code, amountMinor: r.price_minor },
  stockQuantity: r.stock_quantity,
  archived: r.archived,
  createTime: r.create_time,
  updateTime: r.update_time,
});

/** Sort keys map to columns here and only here; order_by text never reaches SQL. */
const SORT_COLUMN: Record<ProductSortKey, string> = {
  name: "name",
  price: "price_minor",
  create_time: "create_time",
};

/** `text` as a LIKE pattern matching it anywhere, its own wildcards taken literally. */
const containing = (text: string): string => `%${text.replace(/[\\%_]/g, "\\$&")}%`;

export class PostgresProductRepository implements ProductRepository {
  constructor(private readonly sql: SqlExecutor) {}

  async insert(p: Product): Promise<void> {
    await this.sql`
      insert into products (id, category_id, name, description, price_minor, currency_code, stock_quantity,
                            archived, create_time, update_time)
      values (${p.id}, ${p.categoryId}, ${p.name}, ${p.description}, ${p.price.amountMinor},
              ${p.price.currencyCode}, ${p.stockQuantity}, ${p.archived}, ${p.createTime}, ${p.updateTime})`;
  }

  async findById(id: string): Promise<Product | undefined> {
    if (!isId(id)) return undefined;
    const [row] = await this.sql<ProductRow[]>`select * from products where id = ${id}`;
    return row && toProduct(row);
  }

  async findForUpdate(ids: readonly string[]): Promise<Map<string, Product>> {
    const wanted = [...new Set(ids)].filter(isId);
    if (wanted.length === 0) return new Map();
    // Locks are taken as rows leave the sort, so in id order: see ProductRepository.findForUpdate.
    const rows = await this.sql<ProductRow[]>`
      select * from products where id in ${this.sql(wanted)} order by id for update`;
    return new Map(rows.map((r) => [r.id, toProduct(r)]));
  }

  async update(p: Product): Promise<void> {
    await this.sql`
      update products
      set name = ${p.name}, description = ${p.description}, category_id = ${p.categoryId},
          price_minor = ${p.price.amountMinor}, currency_code = ${p.price.currencyCode},
          archived = ${p.archived}, update_time = ${p.updateTime}
      where id = ${p.id}`;
  }

  async applyStockDelta(productId: string, delta: number): Promise<StockDeltaResult> {
    if (!isId(productId)) return { kind: "missing" };
    // The guard is in the statement itself: under concurrent updates Postgres re-checks it against the row
    // version it finally writes, so no interleaving can take stock below zero. bigint arithmetic keeps the
    // check itself from overflowing.
    const [applied] = await this.sql<{ stock_quantity: number }[]>`
      update products set stock_quantity = stock_quantity + ${delta}::bigint
      where id = ${productId}
        and stock_quantity + ${delta}::bigint between 0 and ${MAX_STOCK}
      returning stock_quantity`;
    if (applied) return { kind: "applied", quantity: applied.stock_quantity };
    const [current] = await this.sql<{ stock_quantity: number }[]>`
      select stock_quantity from products where id = ${productId}`;
    return current ? { kind: "refused", quantity: current.stock_quantity } : { kind: "missing" };
  }

  async list(query: ProductListQuery): Promise<Product[]> {
    const { sql } = this;
    const column = sql(SORT_COLUMN[query.sort.key]);
    const desc = query.sort.direction === "desc";
    const { after } = query;
    const afterValue = after && (query.sort.key === "create_time" ? new Date(after.value) : after.value);
    const rows = await sql<ProductRow[]>`
      select * from products
      where not archived
        ${query.categoryId === undefined ? sql`` : sql`and category_id = ${query.categoryId}`}
        ${
          query.text === undefined
            ? sql``
            : sql`and (name ilike ${containing(query.text)} or description ilike ${containing(query.text)})`
        }
        ${
          after === undefined
            ? sql``
            : desc
              ? sql`and (${column}, id) < (${afterValue ?? null}, ${after.id})`
              : sql`and (${column}, id) > (${afterValue ?? null}, ${after.id})`
        }
      order by ${desc ? sql`${column} desc, id desc` : sql`${column} asc, id asc`}
      limit ${query.limit}`;
    return rows.map(toProduct);
  }

  async listLowStock(query: LowStockQuery): Promise<Product[]> {
    const { sql } = this;
    const { after } = query;
    const rows = await sql<ProductRow[]>`
      select * from products
      where not archived and stock_quantity < ${query.threshold}
        ${after === undefined ? sql`` : sql`and (stock_quantity, id) > (${after.quantity}, ${after.id})`}
      order by stock_quantity, id
      limit ${query.limit}`;
    return rows.map(toProduct);
  }
}
