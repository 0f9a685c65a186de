import { uuidv7 } from "uuidv7";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PostgresCategoryRepository } from "../../src/adapters/postgres/postgres-category-repository.js";
import { PostgresEventOutbox } from "../../src/adapters/postgres/postgres-event-outbox.js";
import { PostgresIdempotencyStore } from "../../src/adapters/postgres/postgres-idempotency-store.js";
import { PostgresOrderRepository } from "../../src/adapters/postgres/postgres-order-repository.js";
import { PostgresProductRepository } from "../../src/adapters/postgres/postgres-product-repository.js";
import { PostgresScheduledJobs } from "../../src/adapters/postgres/postgres-scheduled-jobs.js";
import { PostgresStockLedger } from "../../src/adapters/postgres/postgres-stock-ledger.js";
import { PostgresUnitOfWork } from "../../src/adapters/postgres/postgres-unit-of-work.js";
import type { Product } from "../../src/domain/catalog/product.js";
import type { Order } from "../../src/domain/ordering/order.js";
import type { PlacedOrder } from "../../src/domain/ordering/order-placement.js";
import type { OrderingTx } from "../../src/domain/ordering/ports.js";
import { createTestDatabase, DATABASE_KINDS, type TestDatabase } from "../support/databases.js";
import { uniqueName } from "../support/test-app.js";

let clockMs = Date.parse("2030-01-01T00:00:00Z");
/** Distinct, increasing, millisecond-precise times, as the app's clock gives. */
const nextTime = () => {
  clockMs += 7;
  return new Date(clockMs);
};

describe.each(DATABASE_KINDS)("ordering adapters on %s", (kind) => {
  // Row-lock contention needs two sessions; PGlite serves one, so those tests run on PostgreSQL only.
  const concurrentSessions = kind === "postgres" ? it : () => {};
  let db: TestDatabase;
  let orders: PostgresOrderRepository;
  let uow: PostgresUnitOfWork<OrderingTx>;
  let customerId: string;
  let otherCustomerId: string;
  let products: Product[];

  const seedUser = async () => {
    const id = uuidv7();
    const name = uniqueName("u");
    await db.sql`
      insert into users (id, email, username, role, password_hash, create_time)
      values (${id}, ${`${name}@example.com`}, ${name}, 'CUSTOMER', 'x', now())`;
    return id;
  };

  beforeAll(async () => {
    db = await createTestDatabase(kind);
    orders = new PostgresOrderRepository(db.sql);
    uow = new PostgresUnitOfWork<OrderingTx>(db.sql, (tx) => ({
      products: new PostgresProductRepository(tx),
      stockLedger: new PostgresStockLedger(tx),
      outbox: new PostgresEventOutbox(tx),
      orders: new PostgresOrderRepository(tx),
      idempotencyKeys: new PostgresIdempotencyStore(tx),
      jobs: new PostgresScheduledJobs(tx),
    }));
    customerId = await seedUser();
    otherCustomerId = await seedUser();
    const category = {
      id: uuidv7(),
      slug: uniqueName("c-"),
      name: "C",
      description: "",
      createTime: new Date(),
    };
    await new PostgresCategoryRepository(db.sql).insert(category);
    products = [];
    for (let i = 0; i < 3; i++) {
      const time = nextTime();
      const product: Product = {
        id: uuidv7(),
        name: `Widget ${i}`,
        description: "",
        categoryId: category.id,
        price: { currencyCode: "EUR", amountMinor: 100 * (i + 1) },
        stockQuantity: 50,
        archived: false,
        createTime: time,
        updateTime: time,
      };
      await new PostgresProductRepository(db.sql).insert(product);
      products.push(product);
    }
  });
  afterAll(async () => {
    await db?.drop();
  });

  const newOrder = (overrides: Partial<Order> = {}): Order => {
    const time = nextTime();
    const [a, b] = products as [Product, Product];
    const customer = overrides.customerId ?? customerId;
    return {
      id: uuidv7(),
      customerId: customer,
      status: "PENDING",
      items: [
        { productId: b.id, productName: b.name, quantity: 3, unitPrice: b.price },
        {
          productId: a.id,
          productName: a.name,
          quantity: 10_000,
          unitPrice: { currencyCode: "EUR", amountMinor: 2 ** 40 },
        },
      ],
      total: { currencyCode: "EUR", amountMinor: 3 * b.price.amountMinor + 10_000 * 2 ** 40 },
      createTime: time,
      updateTime: time,
      history: [{ status: "PENDING", changeTime: time, actor: { type: "customer", userId: customer } }],
      ...overrides,
    };
  };

  describe("OrderRepository", () => {
    it("stores an order with its lines and history and reads it back whole", async () => {
      const order = newOrder();
      await orders.insert(order);
      expect(await orders.findById(order.id)).toEqual(order);
      expect(await uow.run((tx) => tx.orders.findForUpdate(order.id))).toEqual(order);
      expect(await orders.findById(uuidv7())).toBeUndefined();
      expect(await orders.findById("nope")).toBeUndefined();
      expect(await uow.run((tx) => tx.orders.findForUpdate("nope"))).toBeUndefined();
    });

    it("records status changes in order, with who and when", async () => {
      const order = newOrder();
      await orders.insert(order);
      const admin = await seedUser();
      const paid = {
        status: "PAID" as const,
        changeTime: nextTime(),
        actor: { type: "admin" as const, userId: admin },
      };
      const shipped = {
        status: "SHIPPED" as const,
        changeTime: nextTime(),
        actor: { type: "system" as const },
      };
      await uow.run((tx) => tx.orders.recordStatusChange(order.id, paid));
      await uow.run((tx) => tx.orders.recordStatusChange(order.id, shipped));
      expect(await orders.findById(order.id)).toEqual({
        ...order,
        status: "SHIPPED",
        updateTime: shipped.changeTime,
        history: [...order.history, paid, shipped],
      });
    });

    it("refuses a line for a product that does not exist, and keeps nothing of the order", async () => {
      const order = newOrder();
      const broken = {
        ...order,
        items: [{ ...(order.items[0] as Order["items"][number]), productId: uuidv7() }],
      };
      await expect(orders.insert(broken)).rejects.toThrow();
      expect(await orders.findById(order.id)).toBeUndefined();
    });

    it("lists newest first by id, filtered by customer and status, resuming before an id", async () => {
      const customer = await seedUser();
      const made: Order[] = [];
      for (let i = 0; i < 5; i++) {
        const order = newOrder({ customerId: customer });
        await orders.insert(order);
        made.push(order);
      }
      await orders.insert(newOrder({ customerId: otherCustomerId }));
      const paidAt = nextTime();
      await orders.recordStatusChange(made[2]?.id as string, {
        status: "PAID",
        changeTime: paidAt,
        actor: { type: "system" },
      });
      const ids = made.map((o) => o.id).reverse();
      expect((await orders.list({ customerId: customer, limit: 10 })).map((o) => o.id)).toEqual(ids);
      expect(
        (await orders.list({ customerId: customer, limit: 2, beforeId: ids[1] })).map((o) => o.id),
      ).toEqual(ids.slice(2, 4));
      const paid = await orders.list({ customerId: customer, status: "PAID", limit: 10 });
      expect(paid.map((o) => [o.id, o.status])).toEqual([[made[2]?.id, "PAID"]]);
      const anyone = await orders.list({ limit: 3 });
      expect(anyone.map((o) => o.id)).toEqual([...anyone.map((o) => o.id)].sort().reverse());
      expect(await orders.list({ status: "DELIVERED", limit: 10 })).toEqual([]);
      expect(await orders.list({ customerId: "nope", limit: 10 })).toEqual([]);
    });

    concurrentSessions("serialises transactions that lock the same order", async () => {
      const order = newOrder();
      await orders.insert(order);
      let releaseFirst = () => {};
      const held = new Promise<void>((r) => {
        releaseFirst = r;
      });
      const steps: string[] = [];
      let locked = () => {};
      const firstLocked = new Promise<void>((r) => {
        locked = r;
      });
      const first = uow.run(async (tx) => {
        await tx.orders.findForUpdate(order.id);
        locked();
        await held;
        await tx.orders.recordStatusChange(order.id, {
          status: "PAID",
          changeTime: nextTime(),
          actor: { type: "system" },
        });
        steps.push("first committed");
      });
      await firstLocked;
      const second = uow.run(async (tx) => {
        const seen = await tx.orders.findForUpdate(order.id);
        steps.push(`second saw ${seen?.status}`);
      });
      await new Promise((r) => setTimeout(r, 100));
      steps.push("released");
      releaseFirst();
      await Promise.all([first, second]);
      expect(steps).toEqual(["released", "first committed", "second saw PAID"]);
    });
  });

  describe("IdempotencyStore", () => {
    const placed = (): PlacedOrder => ({
      order: newOrder(),
      rejected: [{ productId: uuidv7(), quantity: 2, reason: "insufficient_stock" }],
    });
    const claimOf = (key: string, fingerprint: string, now = new Date()) => ({
      customerId,
      key,
      fingerprint,
      now,
      expiredBefore: new Date(now.getTime() - 24 * 3_600_000),
    });

    it("claims a free key, then replays its stored result, telling a different request apart", async () => {
      const key = uniqueName("k");
      const result = placed();
      expect(
        await uow.run(async (tx) => {
          const claim = await tx.idempotencyKeys.claim(claimOf(key, "request-a"));
          await tx.idempotencyKeys.complete(customerId, key, result);
          return claim;
        }),
      ).toEqual({ kind: "claimed" });
      expect(await uow.run((tx) => tx.idempotencyKeys.claim(claimOf(key, "request-a")))).toEqual({
        kind: "replay",
        sameRequest: true,
        result,
      });
      expect(await uow.run((tx) => tx.idempotencyKeys.claim(claimOf(key, "request-b")))).toMatchObject({
        kind: "replay",
        sameRequest: false,
      });
      expect(
        await uow.run((tx) =>
          tx.idempotencyKeys.claim({ ...claimOf(key, "request-a"), customerId: otherCustomerId }),
        ),
      ).toEqual({ kind: "claimed" });
    });

    it("frees a key whose transaction rolled back", async () => {
      const key = uniqueName("k");
      await expect(
        uow.run(async (tx) => {
          await tx.idempotencyKeys.claim(claimOf(key, "r"));
          throw new Error("out of stock");
        }),
      ).rejects.toThrow("out of stock");
      expect(await uow.run((tx) => tx.idempotencyKeys.claim(claimOf(key, "r")))).toEqual({ kind: "claimed" });
    });

    it("takes over an expired key and prunes expired ones", async () => {
      const key = uniqueName("k");
      const old = new Date(Date.now() - 25 * 3_600_000);
      await uow.run(async (tx) => {
        await tx.idempotencyKeys.claim(claimOf(key, "old", old));
        await tx.idempotencyKeys.complete(customerId, key, placed());
      });
      expect(await uow.run((tx) => tx.idempotencyKeys.claim(claimOf(key, "new")))).toEqual({
        kind: "claimed",
      });

      const stale = uniqueName("k");
      await uow.run(async (tx) => {
        await tx.idempotencyKeys.claim(claimOf(stale, "old", old));
        await tx.idempotencyKeys.complete(customerId, stale, placed());
      });
      const pruned = await uow.run((tx) =>
        tx.idempotencyKeys.pruneExpired(new Date(Date.now() - 24 * 3_600_000)),
      );
      expect(pruned).toBeGreaterThanOrEqual(1);
      const [row] = await db.sql`select count(*)::int as n from idempotency_keys where key = ${stale}`;
      expect(row?.n).toBe(0);
    });

    concurrentSessions(
      "makes a concurrent claim of the same key wait for the first, then replay it",
      async () => {
        const key = uniqueName("k");
        const result = placed();
        let claimed = () => {};
        const firstClaimed = new Promise<void>((r) => {
          claimed = r;
        });
        let release = () => {};
        const held = new Promise<void>((r) => {
          release = r;
        });
        const events: string[] = [];
        const first = uow.run(async (tx) => {
          await tx.idempotencyKeys.claim(claimOf(key, "r"));
          claimed();
          await held;
          await tx.idempotencyKeys.complete(customerId, key, result);
          events.push("first committing");
        });
        await firstClaimed;
        const second = uow.run(async (tx) => {
          const claim = await tx.idempotencyKeys.claim(claimOf(key, "r"));
          events.push(`second ${claim.kind}`);
          return claim;
        });
        await new Promise((r) => setTimeout(r, 100));
        events.push("released");
        release();
        const [, claim] = await Promise.all([first, second]);
        expect(events).toEqual(["released", "first committing", "second replay"]);
        expect(claim).toEqual({ kind: "replay", sameRequest: true, result });
      },
    );
  });
});
