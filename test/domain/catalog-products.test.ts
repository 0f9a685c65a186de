import { describe, expect, it } from "vitest";
import { archiveProduct } from "../../src/domain/catalog/archive-product.js";
import { createCategory } from "../../src/domain/catalog/create-category.js";
import { createProduct } from "../../src/domain/catalog/create-product.js";
import { getProduct } from "../../src/domain/catalog/get-product.js";
import { updateProduct } from "../../src/domain/catalog/update-product.js";
import {
  AlreadyExists,
  type DomainError,
  InvalidArgument,
  NotFound,
} from "../../src/domain/shared/errors.js";
import { type CatalogFakes, catalogFakes } from "../support/fakes/catalog-fakes.js";

const ADMIN_ID = "0190f0e0-0000-7000-8000-000000000001";
const eur = (amountMinor: number) => ({ currencyCode: "EUR", amountMinor });

async function withCategory(f: CatalogFakes, slug = "tools") {
  return createCategory(f.deps, { slug, name: "Tools", description: "" });
}

async function withProduct(f: CatalogFakes, overrides: Partial<Parameters<typeof createProduct>[1]> = {}) {
  const category = await withCategory(f, `c-${f.categories.rows.size}`);
  return createProduct(f.deps, {
    name: "Hammer",
    description: "Hits nails",
    categoryId: category.id,
    price: eur(1999),
    initialStock: 5,
    actorId: ADMIN_ID,
    ...overrides,
  });
}

/** The field names of an InvalidArgument thrown by `promise`. */
async function violatedFields(promise: Promise<unknown>): Promise<string[]> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(InvalidArgument);
  return (error as InvalidArgument).violations.map((v) => v.field);
}

describe("createCategory", () => {
  it("creates a category and records catalog.category_created", async () => {
    const f = catalogFakes();
    const category = await createCategory(f.deps, {
      slug: "power-tools-2",
      name: " Power tools ",
      description: "",
    });
    expect(category).toMatchObject({ slug: "power-tools-2", name: "Power tools" });
    expect(f.events.map((e) => e.type)).toEqual(["catalog.category_created"]);
  });

  it("refuses a taken slug with AlreadyExists", async () => {
    const f = catalogFakes();
    await withCategory(f, "tools");
    await expect(withCategory(f, "tools")).rejects.toBeInstanceOf(AlreadyExists);
    expect(f.events).toHaveLength(1);
  });

  it.each(["", "Tools", "tools!", "a b", "x".repeat(65), "ünï"])("refuses the slug %j", async (slug) => {
    const f = catalogFakes();
    expect(await violatedFields(createCategory(f.deps, { slug, name: "n", description: "" }))).toEqual([
      "slug",
    ]);
    expect(f.categories.rows.size).toBe(0);
  });

  it("refuses a missing name and control characters", async () => {
    const f = catalogFakes();
    const fields = await violatedFields(
      createCategory(f.deps, { slug: "ok", name: "  ", description: "bell\u0007" }),
    );
    expect(fields).toEqual(["name", "description"]);
  });
});

describe("createProduct", () => {
  it("creates a product with its initial stock entered through the ledger", async () => {
    const f = catalogFakes();
    const product = await withProduct(f, { initialStock: 7 });
    expect(product).toMatchObject({ name: "Hammer", stockQuantity: 7, archived: false, price: eur(1999) });
    expect(f.products.rows.get(product.id)?.stockQuantity).toBe(7);
    expect(f.ledger.rows).toEqual([
      expect.objectContaining({ productId: product.id, delta: 7, resultingQuantity: 7, actorId: ADMIN_ID }),
    ]);
    expect(f.events.map((e) => e.type)).toEqual([
      "catalog.category_created",
      "catalog.product_created",
      "catalog.stock_changed",
    ]);
  });

  it("writes no ledger row for zero initial stock", async () => {
    const f = catalogFakes();
    const product = await withProduct(f, { initialStock: 0 });
    expect(product.stockQuantity).toBe(0);
    expect(f.ledger.rows).toEqual([]);
  });

  it("reports every invalid field at once and stores nothing", async () => {
    const f = catalogFakes();
    const fields = await violatedFields(
      createProduct(f.deps, {
        name: "",
        description: "d".repeat(5001),
        categoryId: "not-an-id",
        price: eur(-1),
        initialStock: -1,
        actorId: ADMIN_ID,
      }),
    );
    expect(fields).toEqual(["name", "description", "category_id", "price.amount_minor", "initial_stock"]);
    expect(f.products.rows.size).toBe(0);
  });

  it("refuses a price in another currency, a missing price and an amount beyond exact range", async () => {
    const f = catalogFakes({ shopCurrency: "CZK" });
    expect(await violatedFields(withProduct(f, { price: eur(100) }))).toEqual(["price.currency_code"]);
    expect(await violatedFields(withProduct(f, { price: undefined }))).toEqual(["price"]);
    expect(
      await violatedFields(withProduct(f, { price: { currencyCode: "CZK", amountMinor: 2 ** 63 } })),
    ).toEqual(["price.amount_minor"]);
    expect(f.products.rows.size).toBe(0);
  });

  it("refuses a name of 201 characters, counting characters not UTF-16 units", async () => {
    const f = catalogFakes();
    await expect(withProduct(f, { name: "😀".repeat(200) })).resolves.toBeDefined();
    expect(await violatedFields(withProduct(f, { name: "a".repeat(201) }))).toEqual(["name"]);
    expect(await violatedFields(withProduct(f, { name: "x".repeat(10 * 1024 * 1024) }))).toEqual(["name"]);
  });

  it("refuses control characters in a name but keeps newlines in a description", async () => {
    const f = catalogFakes();
    expect(await violatedFields(withProduct(f, { name: "nul\u0000byte" }))).toEqual(["name"]);
    expect(await violatedFields(withProduct(f, { name: "line\nbreak" }))).toEqual(["name"]);
    expect(await violatedFields(withProduct(f, { description: "esc\u001b[31m" }))).toEqual(["description"]);
    expect(await violatedFields(withProduct(f, { name: "lone \ud800 surrogate" }))).toEqual(["name"]);
    await expect(withProduct(f, { description: "two\nlines\tand a tab" })).resolves.toBeDefined();
  });

  it("refuses a category that does not exist, writing nothing", async () => {
    const f = catalogFakes();
    const fields = await violatedFields(
      createProduct(f.deps, {
        name: "Hammer",
        description: "",
        categoryId: "0190f0e0-0000-7000-8000-00000000abcd",
        price: eur(1),
        initialStock: 3,
        actorId: ADMIN_ID,
      }),
    );
    expect(fields).toEqual(["category_id"]);
    expect(f.products.rows.size).toBe(0);
    expect(f.ledger.rows).toEqual([]);
    expect(f.events).toEqual([]);
  });
});

describe("updateProduct", () => {
  const update = (f: CatalogFakes, productId: string, mask: string[], values: object = {}) =>
    updateProduct(f.deps, {
      productId,
      name: "",
      description: "",
      categoryId: "",
      price: undefined,
      updateMask: mask,
      ...values,
    });

  it("applies exactly the fields in the mask and ignores the others", async () => {
    const f = catalogFakes();
    const product = await withProduct(f);
    f.tick();
    const updated = await update(f, product.id, ["price"], { name: "ignored", price: eur(2500) });
    expect(updated).toMatchObject({ name: "Hammer", price: eur(2500), stockQuantity: 5 });
    expect(updated.updateTime.getTime()).toBeGreaterThan(product.updateTime.getTime());
    expect(f.events.at(-1)).toMatchObject({
      type: "catalog.product_updated",
      payload: { changedFields: ["price"] },
    });
  });

  it("moves a product to another existing category", async () => {
    const f = catalogFakes();
    const product = await withProduct(f);
    const other = await withCategory(f, "garden");
    const updated = await update(f, product.id, ["category_id", "name"], {
      categoryId: other.id,
      name: "Garden hammer",
    });
    expect(updated).toMatchObject({ categoryId: other.id, name: "Garden hammer" });
  });

  it("refuses unknown paths, stock and immutable fields, and an empty mask", async () => {
    const f = catalogFakes();
    const product = await withProduct(f);
    for (const mask of [["stock_quantity"], ["nmae"], ["id"], ["archived"], [], ["price.amount_minor"]]) {
      expect(await violatedFields(update(f, product.id, mask))).toEqual(["update_mask"]);
    }
    expect(f.products.rows.get(product.id)).toEqual(product);
  });

  it("validates only the masked fields", async () => {
    const f = catalogFakes();
    const product = await withProduct(f);
    expect(await violatedFields(update(f, product.id, ["name", "price"], { price: eur(-5) }))).toEqual([
      "product.name",
      "product.price.amount_minor",
    ]);
    await expect(update(f, product.id, ["description"], { description: "" })).resolves.toMatchObject({
      description: "",
    });
  });

  it("writes and emits nothing when the masked values are unchanged", async () => {
    const f = catalogFakes();
    const product = await withProduct(f);
    const eventsBefore = f.events.length;
    const same = await update(f, product.id, ["name"], { name: "Hammer" });
    expect(same).toEqual(product);
    expect(f.events).toHaveLength(eventsBefore);
  });

  it("answers NotFound for an unknown product and InvalidArgument for a malformed id", async () => {
    const f = catalogFakes();
    await expect(
      update(f, "0190f0e0-0000-7000-8000-00000000dead", ["name"], { name: "x" }),
    ).rejects.toBeInstanceOf(NotFound);
    expect(await violatedFields(update(f, "1; drop table products", ["name"], { name: "x" }))).toEqual([
      "product.id",
    ]);
  });

  it("refuses a category that does not exist", async () => {
    const f = catalogFakes();
    const product = await withProduct(f);
    expect(
      await violatedFields(
        update(f, product.id, ["category_id"], { categoryId: "0190f0e0-0000-7000-8000-00000000beef" }),
      ),
    ).toEqual(["product.category_id"]);
  });
});

describe("archiveProduct and getProduct", () => {
  it("archives once, emitting catalog.product_archived, and keeps the product readable", async () => {
    const f = catalogFakes();
    const product = await withProduct(f);
    const archived = await archiveProduct(f.deps, product.id);
    expect(archived.archived).toBe(true);
    expect(await archiveProduct(f.deps, product.id)).toEqual(archived);
    expect(f.events.filter((e) => e.type === "catalog.product_archived")).toHaveLength(1);
    expect(await getProduct(f.deps, product.id)).toEqual(archived);
  });

  it("answers NotFound for an unknown id and InvalidArgument for something that is not an id", async () => {
    const f = catalogFakes();
    await expect(getProduct(f.deps, "0190f0e0-0000-7000-8000-00000000dead")).rejects.toBeInstanceOf(NotFound);
    for (const id of ["", "42", "' or 1=1 --", "x".repeat(10_000)]) {
      const error = await getProduct(f.deps, id).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(InvalidArgument);
      expect((error as DomainError).message).toMatch(/^product_id/);
    }
  });
});
