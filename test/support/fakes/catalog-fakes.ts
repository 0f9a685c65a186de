import { randomUUID } from "node:crypto";
import type { Category } from "../../../src/domain/catalog/category.js";
import type {
  CatalogDeps,
  CatalogTx,
  CategoryRepository,
  LowStockQuery,
  ProductListQuery,
  ProductRepository,
  StockDeltaResult,
  StockLedger,
} from "../../../src/domain/catalog/ports.js";
import type { Product } from "../../../src/domain/catalog/product.js";
import { sortValueOf } from "../../../src/domain/catalog/product-sort.js";
import { MAX_STOCK, type StockMovement } from "../../../src/domain/catalog/stock.js";
import type { DomainEvent } from "../../../src/domain/shared/domain-event.js";
import { AlreadyExists, InvalidArgument } from "../../../src/domain/shared/errors.js";
import type { CursorValue, PageTokens } from "../../../src/domain/shared/page-tokens.js";

// In-memory twins of the catalog ports for domain tests without I/O. The unit of work snapshots every store
// and restores it when the work throws, so "changes nothing" is observable as it is on Postgres.

const compare = (a: string | number, b: string | number): number => (a < b ? -1 : a > b ? 1 : 0);

export class FakeCategories implements CategoryRepository {
  rows = new Map<string, Category>();
  async insert(category: Category) {
    if ([...this.rows.values()].some((c) => c.slug === category.slug))
      throw new AlreadyExists("slug: a category with this slug exists");
    this.rows.set(category.id, category);
  }
  async findById(id: string) {
    return this.rows.get(id);
  }
  async list(query: { limit: number; afterSlug?: string | undefined }) {
    return [...this.rows.values()]
      .filter((c) => query.afterSlug === undefined || c.slug > query.afterSlug)
      .sort((a, b) => compare(a.slug, b.slug))
      .slice(0, query.limit);
  }
}

export class FakeProducts implements ProductRepository {
  rows = new Map<string, Product>();
  async insert(product: Product) {
    this.rows.set(product.id, product);
  }
  async findById(id: string) {
    return this.rows.get(id);
  }
  async findForUpdate(ids: readonly string[]) {
    const found = new Map<string, Product>();
    for (const id of [...ids].sort()) {
      const p = this.rows.get(id);
      if (p) found.set(id, p);
    }
    return found;
  }
  async update(product: Product) {
    const current = this.rows.get(product.id);
    if (current) this.rows.set(product.id, { ...product, stockQuantity: current.stockQuantity });
  }
  async applyStockDelta(productId: string, delta: number): Promise<StockDeltaResult> {
    const p = this.rows.get(productId);
    if (!p) return { kind: "missing" };
    const next = p.stockQuantity + delta;
    if (next < 0 || next > MAX_STOCK) return { kind: "refused", quantity: p.stockQuantity };
    this.rows.set(productId, { ...p, stockQuantity: next });
    return { kind: "applied", quantity: next };
  }
  async list(query: ProductListQuery) {
    const sign = query.sort.direction === "asc" ? 1 : -1;
    const text = query.text?.toLowerCase();
    const key = (p: Product): [string | number, string] => [sortValueOf(p, query.sort.key), p.id];
    const order = (a: [string | number, string], b: [string | number, string]) =>
      sign * (compare(a[0], b[0]) || compare(a[1], b[1]));
    const after = query.after && ([query.after.value, query.after.id] as [string | number, string]);
    return [...this.rows.values()]
      .filter((p) => !p.archived)
      .filter((p) => query.categoryId === undefined || p.categoryId === query.categoryId)
      .filter(
        (p) =>
          text === undefined ||
          p.name.toLowerCase().includes(text) ||
          p.description.toLowerCase().includes(text),
      )
      .filter((p) => after === undefined || order(key(p), after) > 0)
      .sort((a, b) => order(key(a), key(b)))
      .slice(0, query.limit);
  }
  async listLowStock(query: LowStockQuery) {
    const key = (p: Product) => [p.stockQuantity, p.id] as const;
    const order = (a: readonly [number, string], b: readonly [number, string]) =>
      compare(a[0], b[0]) || compare(a[1], b[1]);
    const after = query.after && ([query.after.quantity, query.after.id] as const);
    return [...this.rows.values()]
      .filter((p) => !p.archived && p.stockQuantity < query.threshold)
      .filter((p) => after === undefined || order(key(p), after) > 0)
      .sort((a, b) => order(key(a), key(b)))
      .slice(0, query.limit);
  }
}

export class FakeStockLedger implements StockLedger {
  rows: StockMovement[] = [];
  async record(movement: StockMovement) {
    this.rows.push(movement);
  }
  async listForProduct(query: { productId: string; limit: number; beforeId?: string | undefined }) {
    return this.rows
      .filter((m) => m.productId === query.productId)
      .filter((m) => query.beforeId === undefined || m.id < query.beforeId)
      .sort((a, b) => compare(b.id, a.id))
      .slice(0, query.limit);
  }
}

/** Readable tokens (JSON) bound to their scope: enough to test that use cases bind and check them. */
export class FakePageTokens implements PageTokens {
  seal(scope: string, cursor: readonly CursorValue[]): string {
    return Buffer.from(JSON.stringify({ scope, cursor })).toString("base64url");
  }
  open(field: string, scope: string, token: string): readonly CursorValue[] {
    try {
      const parsed = JSON.parse(Buffer.from(token, "base64url").toString()) as {
        scope: string;
        cursor: CursorValue[];
      };
      if (parsed.scope === scope && Array.isArray(parsed.cursor)) return parsed.cursor;
    } catch {}
    throw InvalidArgument.field(field, "is not a valid page token");
  }
}

export interface CatalogFakes {
  readonly deps: CatalogDeps;
  readonly categories: FakeCategories;
  readonly products: FakeProducts;
  readonly ledger: FakeStockLedger;
  /** Committed events, in order. */
  readonly events: DomainEvent[];
  /** Moves the clock forward. */
  tick(ms?: number): void;
}

/** Time-ordered ids like UUIDv7: a counter prefix keeps them sortable by creation. */
function sortableIds() {
  let n = 0;
  return { newId: () => `${(n++).toString(16).padStart(8, "0")}${randomUUID().slice(8)}` };
}

export function catalogFakes(options: { shopCurrency?: string } = {}): CatalogFakes {
  const categories = new FakeCategories();
  const products = new FakeProducts();
  const ledger = new FakeStockLedger();
  const events: DomainEvent[] = [];
  let now = Date.parse("2030-01-01T00:00:00Z");
  const tx: CatalogTx = {
    categories,
    products,
    stockLedger: ledger,
    outbox: { append: async (e) => void events.push(e) },
  };
  const deps: CatalogDeps = {
    uow: {
      async run(work) {
        const snapshot = {
          categories: new Map(categories.rows),
          products: new Map(products.rows),
          ledger: [...ledger.rows],
          events: events.length,
        };
        try {
          return await work(tx);
        } catch (error) {
          categories.rows = snapshot.categories;
          products.rows = snapshot.products;
          ledger.rows = snapshot.ledger;
          events.length = snapshot.events;
          throw error;
        }
      },
    },
    categories,
    products,
    stockLedger: ledger,
    pageTokens: new FakePageTokens(),
    clock: { now: () => new Date(now) },
    ids: sortableIds(),
    shopCurrency: options.shopCurrency ?? "EUR",
  };
  return {
    deps,
    categories,
    products,
    ledger,
    events,
    tick: (ms = 1000) => {
      now += ms;
    },
  };
}
