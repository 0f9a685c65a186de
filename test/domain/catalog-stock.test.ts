import { describe, expect, it } from "vitest";
import { adjustStock } from "../../src/domain/catalog/adjust-stock.js";
import { applyStockChanges } from "../../src/domain/catalog/apply-stock-changes.js";
import { archiveProduct } from "../../src/domain/catalog/archive-product.js";
import { createCategory } from "../../src/domain/catalog/create-category.js";
import { createProduct } from "../../src/domain/catalog/create-product.js";
import { listLowStock } from "../../src/domain/catalog/list-low-stock.js";
import { listStockMovements } from "../../src/domain/catalog/list-stock-movements.js";
import { FailedPrecondition, InvalidArgument, NotFound } from "../../src/domain/shared/errors.js";
import { type CatalogFakes, catalogFakes } from "../support/fakes/catalog-fakes.js";

const ADMIN_ID = "0190f0e0-0000-7000-8000-000000000001";

async function productWithStock(f: CatalogFakes, initialStock: number) {
  let category = [...f.categories.rows.values()][0];
  category ??= await createCategory(f.deps, { slug: "tools", name: "Tools", description: "" });
  return createProduct(f.deps, {
    name: `Product ${f.products.rows.size}`,
    description: "",
    categoryId: category.id,
    price: { currencyCode: "EUR", amountMinor: 100 },
    initialStock,
    actorId: ADMIN_ID,
  });
}

const adjust = (f: CatalogFakes, productId: string, delta: number, reason = "stock count") =>
  adjustStock(f.deps, { productId, delta, reason, actorId: ADMIN_ID });

describe("adjustStock", () => {
  it("adds a signed delta, writes a ledger row with the resulting quantity and emits catalog.stock_changed", async () => {
    const f = catalogFakes();
    const p = await productWithStock(f, 5);
    expect((await adjust(f, p.id, 10, "delivery")).stockQuantity).toBe(15);
    expect((await adjust(f, p.id, -15, "breakage")).stockQuantity).toBe(0);
    expect(f.ledger.rows.map((m) => [m.delta, m.resultingQuantity, m.reason])).toEqual([
      [5, 5, "initial stock"],
      [10, 15, "delivery"],
      [-15, 0, "breakage"],
    ]);
    expect(f.events.filter((e) => e.type === "catalog.stock_changed")).toHaveLength(3);
  });

  it("refuses a change that would take stock below zero, changing nothing", async () => {
    const f = catalogFakes();
    const p = await productWithStock(f, 2);
    const before = { events: f.events.length, ledger: f.ledger.rows.length };
    const error = await adjust(f, p.id, -3).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(FailedPrecondition);
    expect((error as Error).message).toContain("2 in stock");
    expect(f.products.rows.get(p.id)?.stockQuantity).toBe(2);
    expect(f.events).toHaveLength(before.events);
    expect(f.ledger.rows).toHaveLength(before.ledger);
  });

  it("refuses a zero delta, a missing reason and a malformed id as InvalidArgument", async () => {
    const f = catalogFakes();
    const p = await productWithStock(f, 2);
    const error = await adjustStock(f.deps, {
      productId: "nope",
      delta: 0,
      reason: " ",
      actorId: ADMIN_ID,
    }).catch((e: unknown) => e);
    expect((error as InvalidArgument).violations.map((v) => v.field)).toEqual([
      "product_id",
      "delta",
      "reason",
    ]);
    await expect(adjust(f, p.id, 2 ** 40)).rejects.toBeInstanceOf(InvalidArgument);
    await expect(adjust(f, p.id, 1, "x".repeat(501))).rejects.toBeInstanceOf(InvalidArgument);
  });

  it("refuses stock beyond the maximum as FailedPrecondition", async () => {
    const f = catalogFakes();
    const p = await productWithStock(f, 1_000_000_000);
    await expect(adjust(f, p.id, 1)).rejects.toBeInstanceOf(FailedPrecondition);
  });

  it("answers NotFound for an unknown product", async () => {
    const f = catalogFakes();
    await expect(adjust(f, "0190f0e0-0000-7000-8000-00000000dead", 1)).rejects.toBeInstanceOf(NotFound);
  });

  it("still adjusts an archived product (returns and recounts happen after archiving)", async () => {
    const f = catalogFakes();
    const p = await productWithStock(f, 1);
    await archiveProduct(f.deps, p.id);
    expect((await adjust(f, p.id, 4)).stockQuantity).toBe(5);
  });
});

describe("applyStockChanges (what ordering builds on)", () => {
  it("touches products in id order and reports each outcome in the order asked", async () => {
    const f = catalogFakes();
    const a = await productWithStock(f, 5);
    const b = await productWithStock(f, 1);
    const touched: string[] = [];
    const apply = f.products.applyStockDelta.bind(f.products);
    f.products.applyStockDelta = (id, delta) => {
      touched.push(id);
      return apply(id, delta);
    };
    const missing = "0190f0e0-0000-7000-8000-00000000dead";
    const outcomes = await f.deps.uow.run((tx) =>
      applyStockChanges(
        tx,
        f.deps,
        [
          { productId: b.id, delta: -2 },
          { productId: missing, delta: -1 },
          { productId: a.id, delta: -2 },
        ],
        { reason: "order placed", actorId: ADMIN_ID, referenceId: "order-1" },
      ),
    );
    expect(touched).toEqual([a.id, b.id, missing].sort());
    expect(outcomes).toEqual([
      { status: "refused", productId: b.id, available: 1 },
      { status: "missing", productId: missing },
      expect.objectContaining({ status: "applied", productId: a.id }),
    ]);
    expect(f.ledger.rows.at(-1)).toMatchObject({
      productId: a.id,
      delta: -2,
      resultingQuantity: 3,
      referenceId: "order-1",
    });
  });

  it("treats a zero delta as a programming error", async () => {
    const f = catalogFakes();
    const p = await productWithStock(f, 1);
    await expect(
      f.deps.uow.run((tx) => applyStockChanges(tx, f.deps, [{ productId: p.id, delta: 0 }], { reason: "x" })),
    ).rejects.toThrow(/invalid stock delta/);
  });
});

describe("listStockMovements", () => {
  it("pages a product's ledger newest first", async () => {
    const f = catalogFakes();
    const p = await productWithStock(f, 1);
    for (const delta of [1, 2, 3]) await adjust(f, p.id, delta);
    const first = await listStockMovements(f.deps, { productId: p.id, pageSize: 3, pageToken: "" });
    expect(first.items.map((m) => m.delta)).toEqual([3, 2, 1]);
    const second = await listStockMovements(f.deps, {
      productId: p.id,
      pageSize: 3,
      pageToken: first.nextCursor ?? "",
    });
    expect(second.items.map((m) => m.delta)).toEqual([1]);
    expect(second.nextCursor).toBeUndefined();
  });

  it("refuses a page token of another product's ledger", async () => {
    const f = catalogFakes();
    const p = await productWithStock(f, 1);
    const q = await productWithStock(f, 1);
    for (const delta of [1, 2]) await adjust(f, p.id, delta);
    const page = await listStockMovements(f.deps, { productId: p.id, pageSize: 1, pageToken: "" });
    await expect(
      listStockMovements(f.deps, { productId: q.id, pageSize: 1, pageToken: page.nextCursor ?? "" }),
    ).rejects.toBeInstanceOf(InvalidArgument);
  });

  it("answers NotFound for an unknown product", async () => {
    const f = catalogFakes();
    await expect(
      listStockMovements(f.deps, {
        productId: "0190f0e0-0000-7000-8000-00000000dead",
        pageSize: 0,
        pageToken: "",
      }),
    ).rejects.toBeInstanceOf(NotFound);
  });
});

describe("listLowStock", () => {
  it("lists products below the threshold, lowest first, paged, leaving archived ones out", async () => {
    const f = catalogFakes();
    const [p0, p3, p1, archived] = [
      await productWithStock(f, 0),
      await productWithStock(f, 3),
      await productWithStock(f, 1),
      await productWithStock(f, 0),
    ];
    await productWithStock(f, 10);
    await archiveProduct(f.deps, archived.id);
    const first = await listLowStock(f.deps, { threshold: 5, pageSize: 2, pageToken: "" });
    expect(first.items.map((p) => p.id)).toEqual([p0.id, p1.id]);
    const second = await listLowStock(f.deps, {
      threshold: 5,
      pageSize: 2,
      pageToken: first.nextCursor ?? "",
    });
    expect(second.items.map((p) => p.id)).toEqual([p3.id]);
    expect(second.nextCursor).toBeUndefined();
    // The token is bound to its threshold.
    await expect(
      listLowStock(f.deps, { threshold: 6, pageSize: 2, pageToken: first.nextCursor ?? "" }),
    ).rejects.toBeInstanceOf(InvalidArgument);
  });

  it.each([0, -1, 2 ** 31])("refuses the threshold %d", async (threshold) => {
    const f = catalogFakes();
    await expect(listLowStock(f.deps, { threshold, pageSize: 0, pageToken: "" })).rejects.toBeInstanceOf(
      InvalidArgument,
    );
  });
});
