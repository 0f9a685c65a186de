import { describe, expect, it } from "vitest";
import { archiveProduct } from "../../src/domain/catalog/archive-product.js";
import { createCategory } from "../../src/domain/catalog/create-category.js";
import { createProduct } from "../../src/domain/catalog/create-product.js";
import type { Principal } from "../../src/domain/identity/principal.js";
import { requestFingerprint } from "../../src/domain/ordering/order-placement.js";
import {
  IDEMPOTENCY_KEY_TTL_MS,
  type PlaceOrderCommand,
  placeOrder,
} from "../../src/domain/ordering/place-order.js";
import { FailedPrecondition, InvalidArgument } from "../../src/domain/shared/errors.js";
import { type OrderingFakes, orderingFakes } from "../support/fakes/ordering-fakes.js";

const ADMIN_ID = "0190f0e0-0000-7000-8000-000000000001";
const CUSTOMER: Principal = { userId: "0190f0e0-0000-7000-8000-00000000c001", role: "CUSTOMER" };
const OTHER: Principal = { userId: "0190f0e0-0000-7000-8000-00000000c002", role: "CUSTOMER" };
const UNKNOWN_PRODUCT = "0190f0e0-0000-7000-8000-0000000000ff";

async function product(f: OrderingFakes, stock: number, price = 1000) {
  let category = [...f.catalog.categories.rows.values()][0];
  category ??= await createCategory(f.catalog.deps, { slug: "tools", name: "Tools", description: "" });
  return createProduct(f.catalog.deps, {
    name: `Product ${f.catalog.products.rows.size}`,
    description: "",
    categoryId: category.id,
    price: { currencyCode: "EUR", amountMinor: price },
    initialStock: stock,
    actorId: ADMIN_ID,
  });
}

const place = (
  f: OrderingFakes,
  items: Array<[string, number]>,
  options: Partial<Omit<PlaceOrderCommand, "items">> = {},
) =>
  placeOrder(f.deps, {
    customerId: CUSTOMER.userId,
    items: items.map(([productId, quantity]) => ({ productId, quantity })),
    idempotencyKey: "",
    allowPartial: false,
    ...options,
  });

const stockOf = (f: OrderingFakes, id: string) => f.catalog.products.rows.get(id)?.stockQuantity;

const failure = async (promise: Promise<unknown>) => {
  const error = await promise.catch((e: unknown) => e);
  if (!(error instanceof Error)) throw new Error("expected a failure");
  return error as Error & { violations: FailedPrecondition["violations"] };
};

describe("placeOrder", () => {
  it("captures catalog prices and names, computes the total, and takes the stock with ledger rows and events", async () => {
    const f = orderingFakes();
    const a = await product(f, 5, 250);
    const b = await product(f, 3, 1999);
    const { order, rejected, replayed } = await place(f, [
      [b.id, 2],
      [a.id, 4],
    ]);
    expect(replayed).toBe(false);
    expect(rejected).toEqual([]);
    expect(order).toMatchObject({
      customerId: CUSTOMER.userId,
      status: "PENDING",
      total: { currencyCode: "EUR", amountMinor: 2 * 1999 + 4 * 250 },
    });
    expect(order.items).toEqual([
      {
        productId: b.id,
        productName: b.name,
        quantity: 2,
        unitPrice: { currencyCode: "EUR", amountMinor: 1999 },
      },
      {
        productId: a.id,
        productName: a.name,
        quantity: 4,
        unitPrice: { currencyCode: "EUR", amountMinor: 250 },
      },
    ]);
    expect(order.history).toEqual([
      {
        status: "PENDING",
        changeTime: order.createTime,
        actor: { type: "customer", userId: CUSTOMER.userId },
      },
    ]);
    expect([stockOf(f, a.id), stockOf(f, b.id)]).toEqual([1, 1]);
    const movements = f.catalog.ledger.rows.filter((m) => m.referenceId === order.id);
    expect(movements.map((m) => [m.productId, m.delta, m.reason, m.actorId])).toEqual(
      [
        [a.id, -4, "order placed", CUSTOMER.userId],
        [b.id, -2, "order placed", CUSTOMER.userId],
      ].sort(([x], [y]) => String(x).localeCompare(String(y))),
    );
    const types = f.events.slice(-3).map((e) => e.type);
    expect(types.sort()).toEqual(["catalog.stock_changed", "catalog.stock_changed", "ordering.order_placed"]);
    expect(f.orders.rows.get(order.id)).toEqual(order);
  });

  it("refuses the whole order when any line is short of stock, naming the lines and touching nothing", async () => {
    const f = orderingFakes();
    const ok = await product(f, 10);
    const short = await product(f, 2);
    const archived = await product(f, 10);
    await archiveProduct(f.catalog.deps, archived.id);
    const before = { events: f.events.length, ledger: f.catalog.ledger.rows.length };

    const error = await failure(
      place(f, [
        [ok.id, 1],
        [short.id, 3],
        [archived.id, 1],
        [UNKNOWN_PRODUCT, 1],
      ]),
    );
    expect(error).toBeInstanceOf(FailedPrecondition);
    expect(error.violations).toEqual([
      { field: "items[1].quantity", description: "insufficient stock: 2 available, 3 requested" },
      { field: "items[2].product_id", description: expect.stringContaining("archived") },
      { field: "items[3].product_id", description: expect.stringContaining("no product") },
    ]);
    expect(error.message).toContain(short.id);
    expect([stockOf(f, ok.id), stockOf(f, short.id), stockOf(f, archived.id)]).toEqual([10, 2, 10]);
    expect(f.events).toHaveLength(before.events);
    expect(f.catalog.ledger.rows).toHaveLength(before.ledger);
    expect(f.orders.rows.size).toBe(0);
  });

  it("with allow_partial orders the lines it can serve and returns the rest with their reasons", async () => {
    const f = orderingFakes();
    const ok = await product(f, 10, 300);
    const short = await product(f, 2);
    const archived = await product(f, 10);
    await archiveProduct(f.catalog.deps, archived.id);

    const { order, rejected } = await place(
      f,
      [
        [short.id, 3],
        [ok.id, 4],
        [UNKNOWN_PRODUCT, 7],
        [archived.id, 1],
      ],
      { allowPartial: true },
    );
    expect(order.items.map((i) => [i.productId, i.quantity])).toEqual([[ok.id, 4]]);
    expect(order.total.amountMinor).toBe(1200);
    expect(rejected).toEqual([
      { productId: short.id, quantity: 3, reason: "insufficient_stock" },
      { productId: UNKNOWN_PRODUCT, quantity: 7, reason: "not_found" },
      { productId: archived.id, quantity: 1, reason: "archived" },
    ]);
    expect([stockOf(f, ok.id), stockOf(f, short.id)]).toEqual([6, 2]);
  });

  it("with allow_partial still fails as a whole when no line can be served", async () => {
    const f = orderingFakes();
    const short = await product(f, 1);
    const error = await failure(
      place(
        f,
        [
          [short.id, 2],
          [UNKNOWN_PRODUCT, 1],
        ],
        { allowPartial: true },
      ),
    );
    expect(error).toBeInstanceOf(FailedPrecondition);
    expect(error.violations.map((v) => v.field)).toEqual(["items[0].quantity", "items[1].product_id"]);
    expect(f.orders.rows.size).toBe(0);
  });

  it("sells the last units exactly: stock can reach zero but never below", async () => {
    const f = orderingFakes();
    const p = await product(f, 3);
    await place(f, [[p.id, 3]]);
    expect(stockOf(f, p.id)).toBe(0);
    expect(await failure(place(f, [[p.id, 1]]))).toBeInstanceOf(FailedPrecondition);
  });

  it("refuses malformed requests as InvalidArgument with every violation", async () => {
    const f = orderingFakes();
    const p = await product(f, 3);
    const error = await failure(
      place(
        f,
        [
          [p.id, 0],
          ["nope", 1],
          [p.id, 10_001],
        ],
        { idempotencyKey: "bad\u0000key" },
      ),
    );
    expect(error).toBeInstanceOf(InvalidArgument);
    expect(error.violations.map((v) => v.field)).toEqual([
      "items[0].quantity",
      "items[1].product_id",
      "items[2].quantity",
      "items[2].product_id",
      "idempotency_key",
    ]);
    expect((await failure(place(f, []))).violations.map((v) => v.field)).toEqual(["items"]);
    const tooMany = Array.from({ length: 101 }, (_, i): [string, number] => [
      p.id.replace(/..$/, i.toString(16).padStart(2, "0")),
      1,
    ]);
    expect((await failure(place(f, tooMany))).violations[0]?.field).toBe("items");
    expect((await failure(place(f, [[p.id, 1.5]]))).violations[0]?.field).toBe("items[0].quantity");
    expect(
      (await failure(place(f, [[p.id, 1]], { idempotencyKey: "k".repeat(256) }))).violations[0]?.field,
    ).toBe("idempotency_key");
  });

  it("refuses the same product twice in one request, whatever its case", async () => {
    const f = orderingFakes();
    const p = await product(f, 10);
    const error = await failure(
      place(f, [
        [p.id, 1],
        [p.id.toUpperCase(), 2],
      ]),
    );
    expect(error).toBeInstanceOf(InvalidArgument);
    expect(error.violations).toEqual([
      { field: "items[1].product_id", description: expect.stringContaining("items[0]") },
    ]);
  });

  it("refuses an order whose total would not be exact", async () => {
    const f = orderingFakes();
    const p = await product(f, 10_000, Number.MAX_SAFE_INTEGER - 1);
    expect(await failure(place(f, [[p.id, 2]]))).toBeInstanceOf(FailedPrecondition);
    expect(stockOf(f, p.id)).toBe(10_000);
  });
});

describe("placeOrder with an idempotency key", () => {
  it("returns the stored result for a repeat, without a second order or stock change", async () => {
    const f = orderingFakes();
    const p = await product(f, 10);
    const first = await place(f, [[p.id, 2]], { idempotencyKey: "checkout-1" });
    f.tick(60_000);
    const again = await place(f, [[p.id, 2]], { idempotencyKey: "checkout-1" });
    expect(again).toEqual({ ...first, replayed: true });
    expect(f.orders.rows.size).toBe(1);
    expect(stockOf(f, p.id)).toBe(8);
    expect(f.events.filter((e) => e.type === "ordering.order_placed")).toHaveLength(1);
  });

  it("recognises a repeat whatever the order of its lines", async () => {
    const f = orderingFakes();
    const a = await product(f, 10);
    const b = await product(f, 10);
    const first = await place(
      f,
      [
        [a.id, 1],
        [b.id, 2],
      ],
      { idempotencyKey: "k" },
    );
    const again = await place(
      f,
      [
        [b.id, 2],
        [a.id, 1],
      ],
      { idempotencyKey: "k" },
    );
    expect(again.order.id).toBe(first.order.id);
    expect(requestFingerprint([{ productId: a.id, quantity: 1 }], false)).not.toBe(
      requestFingerprint([{ productId: a.id, quantity: 1 }], true),
    );
  });

  it("refuses the same key with a different request as InvalidArgument on idempotency_key", async () => {
    const f = orderingFakes();
    const p = await product(f, 10);
    await place(f, [[p.id, 2]], { idempotencyKey: "k" });
    for (const different of [
      place(f, [[p.id, 3]], { idempotencyKey: "k" }),
      place(f, [[p.id, 2]], { idempotencyKey: "k", allowPartial: true }),
    ]) {
      const error = await failure(different);
      expect(error).toBeInstanceOf(InvalidArgument);
      expect(error.violations[0]?.field).toBe("idempotency_key");
    }
    expect(stockOf(f, p.id)).toBe(8);
  });

  it("scopes keys to the customer", async () => {
    const f = orderingFakes();
    const p = await product(f, 10);
    const mine = await place(f, [[p.id, 1]], { idempotencyKey: "k" });
    const theirs = await place(f, [[p.id, 1]], { idempotencyKey: "k", customerId: OTHER.userId });
    expect(theirs.replayed).toBe(false);
    expect(theirs.order.id).not.toBe(mine.order.id);
  });

  it("stores nothing for a request that failed, so it can be retried with its key", async () => {
    const f = orderingFakes();
    const p = await product(f, 1);
    await failure(place(f, [[p.id, 2]], { idempotencyKey: "k" }));
    expect(f.keys.rows.size).toBe(0);
    await f.catalog.products.applyStockDelta(p.id, 5);
    expect((await place(f, [[p.id, 2]], { idempotencyKey: "k" })).replayed).toBe(false);
  });

  it("forgets a key after 24 hours: the same key then places a new order", async () => {
    const f = orderingFakes();
    const p = await product(f, 10);
    const first = await place(f, [[p.id, 1]], { idempotencyKey: "k" });
    f.tick(IDEMPOTENCY_KEY_TTL_MS - 1000);
    expect((await place(f, [[p.id, 1]], { idempotencyKey: "k" })).order.id).toBe(first.order.id);
    f.tick(2000);
    const later = await place(f, [[p.id, 5]], { idempotencyKey: "k" });
    expect(later.replayed).toBe(false);
    expect(later.order.id).not.toBe(first.order.id);
  });
});
