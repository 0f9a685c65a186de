import { randomBytes } from "node:crypto";
import { uuidv7 } from "uuidv7";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PostgresCategoryRepository } from "../../src/adapters/postgres/postgres-category-repository.js";
import { PostgresEventOutbox } from "../../src/adapters/postgres/postgres-event-outbox.js";
import { PostgresProductRepository } from "../../src/adapters/postgres/postgres-product-repository.js";
import { PostgresServerSecretStore } from "../../src/adapters/postgres/postgres-server-secret-store.js";
import { PostgresStockLedger } from "../../src/adapters/postgres/postgres-stock-ledger.js";
import { PostgresUnitOfWork } from "../../src/adapters/postgres/postgres-unit-of-work.js";
import { applyStockChanges } from "../../src/domain/catalog/apply-stock-changes.js";
import type { Category } from "../../src/domain/catalog/category.js";
import type { CatalogTx, ProductListQuery } from "../../src/domain/catalog/ports.js";
import type { Product } from "../../src/domain/catalog/product.js";
import type { StockMovement } from "../../src/domain/catalog/stock.js";
import { AlreadyExists } from "../../src/domain/shared/errors.js";
import { createTestDatabase, DATABASE_KINDS, type TestDatabase } from "../support/databases.js";
import { uniqueName } from "../support/test-app.js";

const newCategory = (overrides: Partial<Category> = {}): Category => ({
  id: uuidv7(),
  slug: uniqueName("cat-"),
  name: "Tools",
  description: "Things to fix things with",
  createTime: new Date(),
  ...overrides,
});

let clockMs = Date.parse("2030-01-01T00:00:00Z");
/** Distinct, increasing, millisecond-precise times, as the app's clock gives. */
const nextTime = () => {
  clockMs += 7;
  return new Date(clockMs);
};

const newProduct = (categoryId: string, overrides: Partial<Product> = {}): Product => {
  const time = nextTime();
  return {
    id: uuidv7(),
    name: uniqueName("Widget "),
    description: "A widget",
    categoryId,
    price: { currencyCode: "EUR", amountMinor: 1000 },
    stockQuantity: 10,
    archived: false,
    createTime: time,
    updateTime: time,
    ...overrides,
  };
};

describe.each(DATABASE_KINDS)("catalog adapters on %s", (kind) => {
  let db: TestDatabase;
  let categories: PostgresCategoryRepository;
  let products: PostgresProductRepository;
  let ledger: PostgresStockLedger;
  let uow: PostgresUnitOfWork<CatalogTx>;

  beforeAll(async () => {
    db = await createTestDatabase(kind);
    categories = new PostgresCategoryRepository(db.sql);
    products = new PostgresProductRepository(db.sql);
    ledger = new PostgresStockLedger(db.sql);
    uow = new PostgresUnitOfWork<CatalogTx>(db.sql, (tx) => ({
      categories: new PostgresCategoryRepository(tx),
      products: new PostgresProductRepository(tx),
      stockLedger: new PostgresStockLedger(tx),
      outbox: new PostgresEventOutbox(tx),
    }));
  });
  afterAll(async () => {
    await db?.drop();
  });

  const seedCategory = async () => {
    const category = newCategory();
    await categories.insert(category);
    return category;
  };
  const seedProducts = async (categoryId: string, list: Array<Partial<Product>>) => {
    const made: Product[] = [];
    for (const overrides of list) {
      const product = newProduct(categoryId, overrides);
      await products.insert(product);
      made.push(product);
    }
    return made;
  };
  /** Every page of a query, following the keyset cursor as the use case does. */
  const listAll = async (query: Omit<ProductListQuery, "limit" | "after">, limit = 2) => {
    const seen: Product[] = [];
    let after: ProductListQuery["after"];
    for (;;) {
      const page = await products.list({ ...query, limit, after });
      seen.push(...page);
      const last = page[page.length - 1];
      if (page.length < limit || !last) return seen;
      const value =
        query.sort.key === "name"
          ? last.name
          : query.sort.key === "price"
            ? last.price.amountMinor
            : last.createTime.toISOString();
      after = { value, id: last.id };
    }
  };

  describe("CategoryRepository", () => {
    it("stores a category and finds it by id; a malformed or unknown id finds nothing", async () => {
      const category = await seedCategory();
      expect(await categories.findById(category.id)).toEqual(category);
      expect(await categories.findById(uuidv7())).toBeUndefined();
      expect(await categories.findById("not-an-id")).toBeUndefined();
    });

    it("refuses a taken slug with AlreadyExists", async () => {
      const category = await seedCategory();
      const error = await categories.insert(newCategory({ slug: category.slug })).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(AlreadyExists);
      expect((error as Error).message).toMatch(/^slug/);
    });

    it("lists by slug, byte-wise, resuming after a slug", async () => {
      const prefix = uniqueName("z-");
      const slugs = [`${prefix}-b`, `${prefix}-a`, `${prefix}-9`, `${prefix}-a-1`];
      for (const slug of slugs) await categories.insert(newCategory({ slug }));
      const all = (await categories.list({ limit: 1000 }))
        .map((c) => c.slug)
        .filter((s) => s.startsWith(prefix));
      expect(all).toEqual([...slugs].sort());
      const after = await categories.list({ limit: 2, afterSlug: `${prefix}-a` });
      expect(after.map((c) => c.slug)).toEqual([`${prefix}-a-1`, `${prefix}-b`]);
    });
  });

  describe("ProductRepository", () => {
    it("stores a product and reads it back whole, archived or not", async () => {
      const { id: categoryId } = await seedCategory();
      const product = newProduct(categoryId, {
        description: "multi\nline",
        price: { currencyCode: "EUR", amountMinor: 2 ** 53 - 1 },
      });
      await products.insert(product);
      expect(await products.findById(product.id)).toEqual(product);
      await products.update({ ...product, archived: true, name: "Renamed", updateTime: nextTime() });
      expect(await products.findById(product.id)).toMatchObject({ archived: true, name: "Renamed" });
      expect(await products.findById("42")).toBeUndefined();
    });

    it("updates details but never the stock", async () => {
      const { id: categoryId } = await seedCategory();
      const other = await seedCategory();
      const [product] = (await seedProducts(categoryId, [{ stockQuantity: 5 }])) as [Product];
      const changed: Product = {
        ...product,
        name: "New name",
        description: "New description",
        categoryId: other.id,
        price: { currencyCode: "EUR", amountMinor: 1 },
        stockQuantity: 999,
        updateTime: nextTime(),
      };
      await products.update(changed);
      expect(await products.findById(product.id)).toEqual({ ...changed, stockQuantity: 5 });
    });

    it("locks and returns the products asked for, skipping unknown and malformed ids", async () => {
      const { id: categoryId } = await seedCategory();
      const [a, b] = (await seedProducts(categoryId, [{}, {}])) as [Product, Product];
      const found = await uow.run((tx) => tx.products.findForUpdate([b.id, uuidv7(), a.id, "x", a.id]));
      expect([...found.keys()].sort()).toEqual([a.id, b.id].sort());
      expect(found.get(a.id)).toEqual(a);
      expect(await uow.run((tx) => tx.products.findForUpdate([]))).toEqual(new Map());
    });

    it("applies a stock delta atomically, refuses one that would go below zero, and reports a missing product", async () => {
      const { id: categoryId } = await seedCategory();
      const [p] = (await seedProducts(categoryId, [{ stockQuantity: 3 }])) as [Product];
      expect(await products.applyStockDelta(p.id, -2)).toEqual({ kind: "applied", quantity: 1 });
      expect(await products.applyStockDelta(p.id, -2)).toEqual({ kind: "refused", quantity: 1 });
      expect(await products.applyStockDelta(p.id, -1)).toEqual({ kind: "applied", quantity: 0 });
      expect(await products.applyStockDelta(p.id, 1_000_000_001)).toEqual({ kind: "refused", quantity: 0 });
      expect(await products.applyStockDelta(p.id, 7)).toEqual({ kind: "applied", quantity: 7 });
      expect(await products.applyStockDelta(uuidv7(), 1)).toEqual({ kind: "missing" });
      expect(await products.applyStockDelta("nope", 1)).toEqual({ kind: "missing" });
      expect((await products.findById(p.id))?.stockQuantity).toBe(7);
    });

    it("never oversells under concurrent decrements", async () => {
      const { id: categoryId } = await seedCategory();
      const [p] = (await seedProducts(categoryId, [{ stockQuantity: 10 }])) as [Product];
      const env = { clock: { now: () => new Date() }, ids: { newId: uuidv7 } };
      const attempts = await Promise.all(
        Array.from({ length: 25 }, () =>
          uow.run((tx) =>
            applyStockChanges(tx, env, [{ productId: p.id, delta: -1 }], { reason: "order placed" }),
          ),
        ),
      );
      const applied = attempts.filter(([o]) => o?.status === "applied").length;
      expect(applied).toBe(10);
      expect((await products.findById(p.id))?.stockQuantity).toBe(0);
      const rows = await ledger.listForProduct({ productId: p.id, limit: 100 });
      expect(rows).toHaveLength(10);
      expect(rows.map((m) => m.resultingQuantity).sort((x, y) => x - y)).toEqual([
        0, 1, 2, 3, 4, 5, 6, 7, 8, 9,
      ]);
    });

    it("rolls the stock change and its ledger row back together", async () => {
      const { id: categoryId } = await seedCategory();
      const [p] = (await seedProducts(categoryId, [{ stockQuantity: 4 }])) as [Product];
      const env = { clock: { now: () => new Date() }, ids: { newId: uuidv7 } };
      await expect(
        uow.run(async (tx) => {
          await applyStockChanges(tx, env, [{ productId: p.id, delta: -3 }], { reason: "test" });
          throw new Error("abort");
        }),
      ).rejects.toThrow("abort");
      expect((await products.findById(p.id))?.stockQuantity).toBe(4);
      expect(await ledger.listForProduct({ productId: p.id, limit: 10 })).toEqual([]);
    });

    it.each([
      ["name", "asc"],
      ["name", "desc"],
      ["price", "asc"],
      ["price", "desc"],
      ["create_time", "asc"],
      ["create_time", "desc"],
    ] as const)(
      "pages by %s %s through every product exactly once, leaving archived ones out",
      async (key, direction) => {
        const { id: categoryId } = await seedCategory();
        // Ties on the sort key (equal prices, equal names) must still page without gaps or repeats.
        const made = await seedProducts(categoryId, [
          { name: "Bravo", price: { currencyCode: "EUR", amountMinor: 500 } },
          { name: "alpha", price: { currencyCode: "EUR", amountMinor: 500 } },
          { name: "Charlie", price: { currencyCode: "EUR", amountMinor: 100 } },
          { name: "Charlie", price: { currencyCode: "EUR", amountMinor: 900 } },
          { name: "delta", price: { currencyCode: "EUR", amountMinor: 0 }, archived: true },
          { name: "Echo", price: { currencyCode: "EUR", amountMinor: 500 } },
        ]);
        const listed = await listAll({ categoryId, sort: { key, direction } });
        const visible = made.filter((p) => !p.archived);
        expect(listed.map((p) => p.id).sort()).toEqual(visible.map((p) => p.id).sort());

        // The order is (key, id) in the requested direction, as the database orders the key.
        const keyOf = (p: Product) =>
          key === "price" ? p.price.amountMinor : key === "create_time" ? p.createTime.getTime() : null;
        for (let i = 1; i < listed.length; i++) {
          const [prev, cur] = [listed[i - 1] as Product, listed[i] as Product];
          const a = keyOf(prev);
          const b = keyOf(cur);
          if (a === null || b === null) continue;
          const sign = direction === "asc" ? 1 : -1;
          expect(Math.sign(b - a) * sign).toBeGreaterThanOrEqual(0);
          if (a === b) expect(cur.id > prev.id ? sign : -sign).toBe(1);
        }
      },
    );

    it("keeps pages stable while products are inserted", async () => {
      const { id: categoryId } = await seedCategory();
      await seedProducts(
        categoryId,
        [1, 2, 3, 4].map((n) => ({ price: { currencyCode: "EUR", amountMinor: n * 100 } })),
      );
      const sort = { key: "price", direction: "asc" } as const;
      const first = await products.list({ categoryId, sort, limit: 2 });
      // Inserted before the cursor: must not shift the next page.
      await seedProducts(categoryId, [{ price: { currencyCode: "EUR", amountMinor: 50 } }]);
      const last = first[1] as Product;
      const second = await products.list({
        categoryId,
        sort,
        limit: 2,
        after: { value: last.price.amountMinor, id: last.id },
      });
      expect(second.map((p) => p.price.amountMinor)).toEqual([300, 400]);
    });

    it("matches text case-insensitively in name or description, taking wildcards literally", async () => {
      const { id: categoryId } = await seedCategory();
      const word = randomBytes(4).toString("hex");
      const [inName, inDescription, percent] = await seedProducts(categoryId, [
        { name: `Big ${word.toUpperCase()} hammer` },
        { description: `contains ${word} somewhere` },
        { name: "100% cotton", description: "under_score" },
        { name: "Unrelated" },
      ]);
      const sort = { key: "name", direction: "asc" } as const;
      const found = await products.list({ categoryId, text: word, sort, limit: 10 });
      expect(found.map((p) => p.id).sort()).toEqual([inName?.id, inDescription?.id].sort());
      const literal = await products.list({ categoryId, text: "0%", sort, limit: 10 });
      expect(literal.map((p) => p.id)).toEqual([percent?.id]);
      expect(await products.list({ categoryId, text: "%", sort, limit: 10 })).toHaveLength(1);
      // As a wildcard "t_o" would match "cotton".
      expect(await products.list({ categoryId, text: "t_o", sort, limit: 10 })).toHaveLength(0);
      expect(await products.list({ categoryId, text: "_", sort, limit: 10 })).toHaveLength(1);
    });

    it("lists products below a stock threshold, lowest first, paged, without archived ones", async () => {
      const { id: categoryId } = await seedCategory();
      const made = await seedProducts(categoryId, [
        { stockQuantity: 0 },
        { stockQuantity: 2 },
        { stockQuantity: 0, archived: true },
        { stockQuantity: 1 },
        { stockQuantity: 2 },
      ]);
      const ids = new Set(made.map((p) => p.id));
      const mine = (rows: Product[]) => rows.filter((p) => ids.has(p.id));
      const all = mine(await products.listLowStock({ threshold: 3, limit: 1000 }));
      expect(all.map((p) => p.stockQuantity)).toEqual([0, 1, 2, 2]);
      const lowest = all[0] as Product;
      const rest = mine(
        await products.listLowStock({
          threshold: 3,
          limit: 1000,
          after: { quantity: lowest.stockQuantity, id: lowest.id },
        }),
      );
      expect(rest.map((p) => p.id)).toEqual(all.slice(1).map((p) => p.id));
      expect(mine(await products.listLowStock({ threshold: 1, limit: 1000 }))).toHaveLength(1);
    });
  });

  describe("StockLedger", () => {
    it("records movements and lists a product's newest first, resuming before an id", async () => {
      const { id: categoryId } = await seedCategory();
      const [p, other] = (await seedProducts(categoryId, [{}, {}])) as [Product, Product];
      const actorId = uuidv7();
      const movements: StockMovement[] = [5, -2, 3].map((delta, i) => ({
        id: uuidv7(),
        productId: p.id,
        delta,
        resultingQuantity: 10 + i,
        reason: `reason ${i}`,
        actorId: i === 0 ? actorId : undefined,
        referenceId: i === 1 ? "order-1" : undefined,
        createTime: nextTime(),
      }));
      for (const m of movements) await ledger.record(m);
      await ledger.record({ ...(movements[0] as StockMovement), id: uuidv7(), productId: other.id });

      const newestFirst = [...movements].reverse();
      expect(await ledger.listForProduct({ productId: p.id, limit: 10 })).toEqual(newestFirst);
      const page = await ledger.listForProduct({ productId: p.id, limit: 2, beforeId: newestFirst[0]?.id });
      expect(page).toEqual(newestFirst.slice(1, 3));
      expect(await ledger.listForProduct({ productId: "bad", limit: 2 })).toEqual([]);
    });
  });

  describe("ServerSecretStore", () => {
    it("keeps the first secret stored under a name, whoever asks later", async () => {
      const store = new PostgresServerSecretStore(db.sql);
      const name = uniqueName("secret-");
      const first = randomBytes(32);
      const [a, b] = await Promise.all([store.ensure(name, first), store.ensure(name, randomBytes(32))]);
      expect(Buffer.from(a).equals(Buffer.from(b))).toBe(true);
      expect(Buffer.from(await store.ensure(name, randomBytes(32))).equals(Buffer.from(a))).toBe(true);
    });
  });
});
