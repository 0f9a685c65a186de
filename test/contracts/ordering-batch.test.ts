import { uuidv7 } from "uuidv7";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PostgresCategoryRepository } from "../../src/adapters/postgres/postgres-category-repository.js";
import { PostgresEventOutbox } from "../../src/adapters/postgres/postgres-event-outbox.js";
import { PostgresIdempotencyStore } from "../../src/adapters/postgres/postgres-idempotency-store.js";
import { PostgresOrderPlacementWriter } from "../../src/adapters/postgres/postgres-order-placement-writer.js";
import { PostgresOrderRepository } from "../../src/adapters/postgres/postgres-order-repository.js";
import { PostgresPipelinedUnitOfWork } from "../../src/adapters/postgres/postgres-pipelined-unit-of-work.js";
import { PostgresProductRepository } from "../../src/adapters/postgres/postgres-product-repository.js";
import { PostgresScheduledJobs } from "../../src/adapters/postgres/postgres-scheduled-jobs.js";
import { PostgresStockLedger } from "../../src/adapters/postgres/postgres-stock-ledger.js";
import type { Product } from "../../src/domain/catalog/product.js";
import type { PlaceOrderCommand } from "../../src/domain/ordering/place-order.js";
import {
  type PlacementOutcome,
  placeOrdersTogether,
} from "../../src/domain/ordering/place-orders-together.js";
import type { OrderingDeps, OrderingTx } from "../../src/domain/ordering/ports.js";
import { FailedPrecondition, InvalidArgument } from "../../src/domain/shared/errors.js";
import { createTestDatabase, DATABASE_KINDS, type TestDatabase } from "../support/databases.js";
import { uniqueName } from "../support/test-app.js";

// Orders placed together (group commit) against the real database: one transaction, one statement of rows,
// every order planned in arrival order as if placed alone, each request its own outcome.

describe.each(DATABASE_KINDS)("orders placed together on %s", (kind) => {
  let db: TestDatabase;
  let deps: OrderingDeps;
  let customer: string;
  let other: string;

  const seedUser = async () => {
    const id = uuidv7();
    const name = uniqueName("u");
    await db.sql`
      insert into users (id, email, username, role, password_hash, create_time)
      values (${id}, ${`${name}@example.com`}, ${name}, 'CUSTOMER', 'x', now())`;
    return id;
  };
  const seedProduct = async (categoryId: string, stock: number, archived = false): Promise<Product> => {
    const now = new Date();
    const product: Product = {
      id: uuidv7(),
      name: uniqueName("Widget "),
      description: "",
      categoryId,
      price: { currencyCode: "EUR", amountMinor: 250 },
      stockQuantity: stock,
      archived,
      createTime: now,
      updateTime: now,
    };
    await new PostgresProductRepository(db.sql).insert(product);
    return product;
  };
  const stockOf = async (id: string) =>
    (await db.sql<{ s: number }[]>`select stock_quantity as s from products where id = ${id}`)[0]?.s;

  beforeAll(async () => {
    db = await createTestDatabase(kind);
    deps = {
      uow: new PostgresPipelinedUnitOfWork<OrderingTx>(db.sql, (tx, hooks) => ({
        products: new PostgresProductRepository(tx),
        stockLedger: new PostgresStockLedger(tx),
        outbox: new PostgresEventOutbox(tx, hooks.appended),
        orders: new PostgresOrderRepository(tx),
        idempotencyKeys: new PostgresIdempotencyStore(tx),
        jobs: new PostgresScheduledJobs(tx),
        placements: new PostgresOrderPlacementWriter(tx, hooks),
      })),
      orders: new PostgresOrderRepository(db.sql),
      events: { subscribe: () => () => {} },
      pageTokens: {
        seal: () => "",
        open: () => [],
      },
      clock: { now: () => new Date() },
      ids: { newId: () => uuidv7() },
      shopCurrency: "EUR",
      autoAdvanceMs: undefined,
    } as unknown as OrderingDeps;
    customer = await seedUser();
    other = await seedUser();
  });
  afterAll(async () => {
    await db?.drop();
  });

  const request = (
    items: ReadonlyArray<readonly [string, number]>,
    options: Partial<Omit<PlaceOrderCommand, "items">> = {},
  ) => {
    const command: PlaceOrderCommand = {
      customerId: options.customerId ?? customer,
      items: items.map(([productId, quantity]) => ({ productId, quantity })),
      idempotencyKey: options.idempotencyKey ?? "",
      allowPartial: options.allowPartial ?? false,
    };
    return { command, lines: command.items };
  };
  const orderOf = (outcome: PlacementOutcome | undefined) => {
    if (!outcome?.ok) throw new Error(`expected an order, got ${String(outcome?.ok ? "" : outcome?.error)}`);
    return outcome.result;
  };
  const errorOf = (outcome: PlacementOutcome | undefined) => {
    if (outcome === undefined || outcome.ok) throw new Error("expected a failure");
    return outcome.error;
  };

  it("plans a batch mixing failing and succeeding orders in arrival order, commits the good ones together and leaves nothing of the others", async () => {
    const category = {
      id: uuidv7(),
      slug: uniqueName("c-"),
      name: "C",
      description: "",
      createTime: new Date(),
    };
    await new PostgresCategoryRepository(db.sql).insert(category);
    const a = await seedProduct(category.id, 5);
    const b = await seedProduct(category.id, 10);
    const archived = await seedProduct(category.id, 10, true);
    const unknown = uuidv7();
    const firstKey = uniqueName("key-");
    const failedKey = uniqueName("key-");

    const outcomes = await placeOrdersTogether(deps, [
      request([[a.id, 3]]), // 0: A 5 -> 2
      request([[a.id, 3]]), // 1: only 2 left: refused
      request([
        [a.id, 2],
        [b.id, 1],
      ]), // 2: A 2 -> 0, B 10 -> 9
      request(
        [
          [a.id, 1],
          [b.id, 2],
          [archived.id, 1],
        ],
        { allowPartial: true },
      ), // 3: A is out, C archived: B 9 -> 7 only
      request([[unknown, 1]]), // 4: no such product
      request([[b.id, 1]], { idempotencyKey: firstKey }), // 5: B 7 -> 6, key kept
      request([[a.id, 1]], { idempotencyKey: failedKey }), // 6: A is out: refused, key given back
      request([[b.id, 1]], { customerId: other }), // 7: B 6 -> 5
    ]);

    expect(outcomes.map((o) => o.ok)).toEqual([true, false, true, true, false, true, false, true]);
    expect(errorOf(outcomes[1])).toBeInstanceOf(FailedPrecondition);
    expect((errorOf(outcomes[1]) as Error).message).toContain("2 available, 3 requested");
    expect(errorOf(outcomes[4])).toBeInstanceOf(FailedPrecondition);
    expect((errorOf(outcomes[6]) as Error).message).toContain("0 available");
    const partial = orderOf(outcomes[3]);
    expect(partial.order.items.map((i) => [i.productId, i.quantity])).toEqual([[b.id, 2]]);
    expect(partial.rejected.map((r) => [r.productId, r.reason])).toEqual([
      [a.id, "insufficient_stock"],
      [archived.id, "archived"],
    ]);
    expect(orderOf(outcomes[7]).order.customerId).toBe(other);

    expect(await stockOf(a.id)).toBe(0);
    expect(await stockOf(b.id)).toBe(5);
    expect(await stockOf(archived.id)).toBe(10);

    const placed = [0, 2, 3, 5, 7].map((i) => orderOf(outcomes[i]).order.id);
    // One transaction: every placed order row carries the same creating transaction id.
    const rows = await db.sql<{ id: string; xmin: string }[]>`
      select id, xmin::text from orders where id in ${db.sql(placed)}`;
    expect(rows).toHaveLength(5);
    expect(new Set(rows.map((r) => r.xmin)).size).toBe(1);
    // The ledger replays the arrival order: each resulting quantity counts the orders before it.
    const ledger = await db.sql<{ product_id: string; delta: number; resulting_quantity: number }[]>`
      select product_id, delta, resulting_quantity from stock_movements
      where product_id in ${db.sql([a.id, b.id])} order by product_id, resulting_quantity desc`;
    expect(ledger.filter((m) => m.product_id === a.id).map((m) => m.resulting_quantity)).toEqual([2, 0]);
    expect(ledger.filter((m) => m.product_id === b.id).map((m) => m.resulting_quantity)).toEqual([
      9, 7, 6, 5,
    ]);
    const events = await db.sql<{ type: string; n: number }[]>`
      select type, count(*)::int as n from outbox
      where aggregate_id in ${db.sql([...placed, a.id, b.id, archived.id])} group by type order by type`;
    expect(events).toEqual([
      { type: "catalog.stock_changed", n: 6 },
      { type: "ordering.order_placed", n: 5 },
    ]);
    const keys = await db.sql<{ key: string; done: boolean }[]>`
      select key, result is not null as done from idempotency_keys where key in ${db.sql([firstKey, failedKey])}`;
    expect(keys).toEqual([{ key: firstKey, done: true }]);

    // Next batch: the kept key replays, the given-back key is free for a new request, a reuse is refused.
    const again = await placeOrdersTogether(deps, [
      request([[b.id, 1]], { idempotencyKey: firstKey }),
      request([[b.id, 2]], { idempotencyKey: failedKey }),
    ]);
    expect(orderOf(again[0]).replayed).toBe(true);
    expect(orderOf(again[0]).order.id).toBe(orderOf(outcomes[5]).order.id);
    expect(orderOf(again[1]).replayed).toBe(false);
    const [reused] = await placeOrdersTogether(deps, [request([[b.id, 4]], { idempotencyKey: firstKey })]);
    expect(errorOf(reused)).toBeInstanceOf(InvalidArgument);
    expect(await stockOf(b.id)).toBe(3);
  });

  it("writes nothing when every order of a batch fails", async () => {
    const category = {
      id: uuidv7(),
      slug: uniqueName("c-"),
      name: "C",
      description: "",
      createTime: new Date(),
    };
    await new PostgresCategoryRepository(db.sql).insert(category);
    const a = await seedProduct(category.id, 1);
    const key = uniqueName("key-");
    const outcomes = await placeOrdersTogether(deps, [
      request([[a.id, 2]]),
      request([[a.id, 5]], { idempotencyKey: key }),
    ]);
    expect(outcomes.map((o) => o.ok)).toEqual([false, false]);
    expect(await stockOf(a.id)).toBe(1);
    const [counts] = await db.sql<{ movements: number; keys: number }[]>`
      select (select count(*)::int from stock_movements where product_id = ${a.id}) as movements,
             (select count(*)::int from idempotency_keys where key = ${key}) as keys`;
    expect(counts).toEqual({ movements: 0, keys: 0 });
  });

  it("fails the whole transaction, committing nothing, when the stock under the lock is not what was planned", async () => {
    const category = {
      id: uuidv7(),
      slug: uniqueName("c-"),
      name: "C",
      description: "",
      createTime: new Date(),
    };
    await new PostgresCategoryRepository(db.sql).insert(category);
    const a = await seedProduct(category.id, 5);
    const now = new Date();
    const orderId = uuidv7();
    // A plan made as if the stock were 7: the guarded update finds 5 and the statement's assertion fires.
    const broken = deps.uow.run((tx) =>
      (tx.placements as NonNullable<OrderingTx["placements"]>).write([
        {
          order: {
            id: orderId,
            customerId: customer,
            status: "PENDING",
            items: [{ productId: a.id, productName: a.name, quantity: 1, unitPrice: a.price }],
            total: a.price,
            createTime: now,
            updateTime: now,
            history: [{ status: "PENDING", changeTime: now, actor: { type: "customer", userId: customer } }],
          },
          movements: [
            {
              id: uuidv7(),
              productId: a.id,
              delta: -1,
              resultingQuantity: 6,
              reason: "order placed",
              actorId: customer,
              referenceId: orderId,
              createTime: now,
            },
          ],
          events: [],
        },
      ]),
    );
    await expect(broken).rejects.toThrow(/stock changed under a row lock/);
    expect(await stockOf(a.id)).toBe(5);
    const [row] = await db.sql<{ n: number }[]>`select count(*)::int as n from orders where id = ${orderId}`;
    expect(row?.n).toBe(0);
  });
});
