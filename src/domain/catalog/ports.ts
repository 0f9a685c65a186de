import type { Clock } from "../shared/clock.js";
import type { EventOutbox } from "../shared/domain-event.js";
import type { IdGenerator } from "../shared/id-generator.js";
import type { PageTokens } from "../shared/page-tokens.js";
import type { UnitOfWork } from "../shared/unit-of-work.js";
import type { Category } from "./category.js";
import type { Product } from "./product.js";
import type { ProductSort } from "./product-sort.js";
import type { StockMovement } from "./stock.js";

export interface CategoryRepository {
  /** Throws AlreadyExists when the slug is taken. */
  insert(category: Category): Promise<void>;
  findById(id: string): Promise<Category | undefined>;
  /** By slug ascending, starting after `afterSlug`. */
  list(query: { readonly limit: number; readonly afterSlug?: string | undefined }): Promise<Category[]>;
}

export interface ProductListQuery {
  readonly categoryId?: string | undefined;
  /** Case-insensitive substring of the name or the description. */
  readonly text?: string | undefined;
  readonly sort: ProductSort;
  /** Keyset: only rows after this sort value and id in the sort's direction (create_time as ISO text). */
  readonly after?: { readonly value: string | number; readonly id: string } | undefined;
  readonly limit: number;
}

export interface LowStockQuery {
  /** Products with stock strictly below this. */
  readonly threshold: number;
  /** Keyset on (stock quantity, id) ascending. */
  readonly after?: { readonly quantity: number; readonly id: string } | undefined;
  readonly limit: number;
}

/** What a guarded stock update did. */
export type StockDeltaResult =
  /** Applied; `quantity` is the stock after it. */
  | { readonly kind: "applied"; readonly quantity: number }
  /** Refused because the result would leave [0, MAX_STOCK]; nothing changed; `quantity` is the stock now. */
  | { readonly kind: "refused"; readonly quantity: number }
  | { readonly kind: "missing" };

export interface ProductRepository {
  insert(product: Product): Promise<void>;
  /** Archived products included. */
  findById(id: string): Promise<Product | undefined>;
  /**
   * Reads the products and locks their rows until the transaction ends, taking the locks in id order so
   * two transactions locking overlapping sets cannot deadlock. Unknown ids are absent from the map.
   */
  findForUpdate(ids: readonly string[]): Promise<Map<string, Product>>;
  /** Saves the details (name, description, category, price, archived, update time); never the stock. */
  update(product: Product): Promise<void>;
  /**
   * Adds `delta` to the product's stock in one guarded statement (the row lock is taken, the result is
   * checked against [0, MAX_STOCK] by the database, so concurrent callers can never oversell).
   */
  applyStockDelta(productId: string, delta: number): Promise<StockDeltaResult>;
  /** Products not archived, filtered and sorted by (sort key, id). */
  list(query: ProductListQuery): Promise<Product[]>;
  /** Products not archived with stock below the threshold, lowest stock first, then by id. */
  listLowStock(query: LowStockQuery): Promise<Product[]>;
}

export interface StockLedger {
  record(movement: StockMovement): Promise<void>;
  /** One product's movements, newest first (by id, which is time-ordered), starting after `beforeId`. */
  listForProduct(query: {
    readonly productId: string;
    readonly limit: number;
    readonly beforeId?: string | undefined;
  }): Promise<StockMovement[]>;
}

/**
 * What a transaction that changes stock needs. Ordering's transaction includes these so that placing or
 * cancelling an order changes stock, writes the ledger and emits catalog.stock_changed atomically with the
 * order (see apply-stock-changes.ts).
 */
export interface StockTx {
  readonly products: ProductRepository;
  readonly stockLedger: StockLedger;
  readonly outbox: EventOutbox;
}

export interface CatalogTx extends StockTx {
  readonly categories: CategoryRepository;
}

export interface CatalogDeps {
  readonly uow: UnitOfWork<CatalogTx>;
  /** For reads outside a transaction. */
  readonly categories: CategoryRepository;
  readonly products: ProductRepository;
  readonly stockLedger: StockLedger;
  readonly pageTokens: PageTokens;
  readonly clock: Clock;
  readonly ids: IdGenerator;
  /** ISO 4217 code every price is in (SHOP_CURRENCY). */
  readonly shopCurrency: string;
}
