import { describe, expect, it } from "vitest";
import { archiveProduct } from "../../src/domain/catalog/archive-product.js";
import { createCategory } from "../../src/domain/catalog/create-category.js";
import { createProduct } from "../../src/domain/catalog/create-product.js";
import { listCategories } from "../../src/domain/catalog/list-categories.js";
import { type ListProductsCommand, listProducts } from "../../src/domain/catalog/list-products.js";
import type { Product } from "../../src/domain/catalog/product.js";
import { parseProductSort } from "../../src/domain/catalog/product-sort.js";
import { InvalidArgument } from "../../src/domain/shared/errors.js";
import { Violations } from "../../src/domain/shared/violations.js";
import { type CatalogFakes, catalogFakes } from "../support/fakes/catalog-fakes.js";

const ADMIN_ID = "0190f0e0-0000-7000-8000-000000000001";

async function seed(f: CatalogFakes, count: number) {
  const tools = await createCategory(f.deps, { slug: "tools", name: "Tools", description: "" });
  const garden = await createCategory(f.deps, { slug: "garden", name: "Garden", description: "" });
  const made: Product[] = [];
  for (let i = 0; i < count; i++) {
    f.tick();
    made.push(
      await createProduct(f.deps, {
        name: `Item ${String.fromCharCode(97 + (i % 26))}${i}`,
        description: i % 3 === 0 ? "Rust-proof STEEL" : "wood",
        categoryId: i % 2 === 0 ? tools.id : garden.id,
        price: { currencyCode: "EUR", amountMinor: (i * 37) % 11 },
        initialStock: i,
        actorId: ADMIN_ID,
      }),
    );
  }
  return { tools, garden, made };
}

const list = (f: CatalogFakes, command: Partial<ListProductsCommand> = {}) =>
  listProducts(f.deps, { pageSize: 0, pageToken: "", categoryId: "", query: "", orderBy: "", ...command });

async function listAll(f: CatalogFakes, command: Partial<ListProductsCommand>) {
  const seen: Product[] = [];
  let pageToken = "";
  do {
    const page = await list(f, { ...command, pageToken });
    seen.push(...page.items);
    pageToken = page.nextCursor ?? "";
  } while (pageToken);
  return seen;
}

describe("listProducts", () => {
  it("pages 20 at a time by default, by name, and visits every product once", async () => {
    const f = catalogFakes();
    const { made } = await seed(f, 45);
    const first = await list(f);
    expect(first.items).toHaveLength(20);
    const all = await listAll(f, {});
    expect(all.map((p) => p.id).sort()).toEqual(made.map((p) => p.id).sort());
    expect(all.map((p) => p.name)).toEqual([...all.map((p) => p.name)].sort());
  });

  it("filters by category and text, and sorts by price descending with ties broken by id", async () => {
    const f = catalogFakes();
    const { tools, made } = await seed(f, 30);
    const all = await listAll(f, {
      categoryId: tools.id,
      query: "steel",
      orderBy: "price desc",
      pageSize: 4,
    });
    const expected = made
      .filter((p) => p.categoryId === tools.id && p.description.includes("STEEL"))
      .sort((a, b) => b.price.amountMinor - a.price.amountMinor || (b.id < a.id ? -1 : 1));
    expect(all.map((p) => p.id)).toEqual(expected.map((p) => p.id));
  });

  it("leaves archived products out", async () => {
    const f = catalogFakes();
    const { made } = await seed(f, 3);
    await archiveProduct(f.deps, (made[1] as Product).id);
    expect((await listAll(f, {})).map((p) => p.id)).not.toContain((made[1] as Product).id);
  });

  it("caps the page size at 100 and refuses negative or absurd sizes", async () => {
    const f = catalogFakes();
    await seed(f, 105);
    expect((await list(f, { pageSize: 500 })).items).toHaveLength(100);
    for (const pageSize of [-1, 1001, 2 ** 31 - 1]) {
      await expect(list(f, { pageSize })).rejects.toBeInstanceOf(InvalidArgument);
    }
  });

  it("refuses a page token from another query, and a forged or truncated one", async () => {
    const f = catalogFakes();
    const { tools } = await seed(f, 10);
    const page = await list(f, { pageSize: 2, orderBy: "price" });
    const token = page.nextCursor ?? "";
    await expect(list(f, { pageSize: 2, orderBy: "price", pageToken: token })).resolves.toBeDefined();
    for (const other of [
      { orderBy: "price desc" },
      { orderBy: "name" },
      { categoryId: tools.id, orderBy: "price" },
      { query: "steel", orderBy: "price" },
    ]) {
      await expect(list(f, { ...other, pageToken: token })).rejects.toBeInstanceOf(InvalidArgument);
    }
    // Tamper-evidence itself is the PageTokens adapter's contract (test/contracts/page-tokens.test.ts).
    for (const bad of [token.slice(0, -3), "garbage", "a".repeat(100_000)]) {
      await expect(list(f, { orderBy: "price", pageToken: bad })).rejects.toBeInstanceOf(InvalidArgument);
    }
  });

  it("refuses a sealed cursor whose shape does not fit the order", async () => {
    const f = catalogFakes();
    await seed(f, 3);
    const scope = JSON.stringify(["catalog.products", "", "", "price", "asc"]);
    const wrongShape = f.deps.pageTokens.seal(scope, ["not a price", "id"]);
    await expect(list(f, { orderBy: "price", pageToken: wrongShape })).rejects.toBeInstanceOf(
      InvalidArgument,
    );
  });

  it("refuses a malformed category id, a control character or over-long query, and any other order", async () => {
    const f = catalogFakes();
    const error = await list(f, {
      categoryId: "tools",
      query: "a\u0000b",
      orderBy: "price; drop table products",
    }).catch((e: unknown) => e);
    expect((error as InvalidArgument).violations.map((v) => v.field)).toEqual([
      "category_id",
      "query",
      "order_by",
    ]);
    await expect(list(f, { query: "q".repeat(201) })).rejects.toBeInstanceOf(InvalidArgument);
  });
});

describe("parseProductSort", () => {
  it.each([
    ["", "name", "asc"],
    ["price", "price", "asc"],
    ["price desc", "price", "desc"],
    ["  create_time   ASC ", "create_time", "asc"],
    ["NAME desc", "name", "desc"],
  ])("reads %j as %s %s", (orderBy, key, direction) => {
    const v = new Violations();
    expect(parseProductSort(v, "order_by", orderBy)).toEqual({ key, direction });
    expect(v.empty).toBe(true);
  });

  it.each([
    "stock_quantity",
    "price sideways",
    "price desc, name",
    "price desc; drop table products",
    "(select 1)",
    "id",
    "price desc desc",
    "x".repeat(100_000),
  ])("refuses %j", (orderBy) => {
    const v = new Violations();
    parseProductSort(v, "order_by", orderBy);
    expect(v.empty).toBe(false);
  });
});

describe("listCategories", () => {
  it("pages categories by slug", async () => {
    const f = catalogFakes();
    for (const slug of ["c", "a", "b"]) await createCategory(f.deps, { slug, name: slug, description: "" });
    const first = await listCategories(f.deps, { pageSize: 2, pageToken: "" });
    expect(first.items.map((c) => c.slug)).toEqual(["a", "b"]);
    const second = await listCategories(f.deps, { pageSize: 2, pageToken: first.nextCursor ?? "" });
    expect(second.items.map((c) => c.slug)).toEqual(["c"]);
    expect(second.nextCursor).toBeUndefined();
  });
});
