import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ActorType, OrderService, OrderStatus } from "../../gen/shopfloor/ordering/v1/ordering_pb.js";
import { clientFor, closeGrpcClients, SURFACES } from "../support/clients.js";
import { eventually } from "../support/eventually.js";
import { type PrivateNatsServer, startPrivateNatsServer } from "../support/nats-server.js";
import { createProducts, registerCustomer, type SignedIn, signInAdmin } from "../support/shop.js";
import { startTestApp, type TestApp } from "../support/test-app.js";

// What only shows with several instances: a WatchOrder stream on one instance follows changes made on
// another, and the fulfilment simulator (ORDER_AUTO_ADVANCE=1s) run by two instances at once moves each
// order one step per period, each step exactly once. The simulator is also run on the embedded default.

let nats: PrivateNatsServer;

beforeAll(async () => {
  nats = await startPrivateNatsServer();
});

afterAll(async () => {
  closeGrpcClients();
  await nats?.dispose();
});

/** The status events of each order, from the outbox, with how often the simulator ran each step. */
async function statusEvents(app: TestApp, orderIds: readonly string[]) {
  return app.sql<{ order_id: string; events: number; steps: number }[]>`
    select o.id as order_id,
           (select count(*)::int from outbox e
             where e.aggregate_id = o.id::text and e.type = 'ordering.order_status_changed') as events,
           (select count(*)::int from scheduled_jobs j
             where j.name = 'ordering.advance-order' and j.key like o.id::text || ':%') as steps
    from orders o where o.id in ${app.sql(orderIds)}`;
}

describe("two instances on PostgreSQL + JetStream", () => {
  let first: TestApp;
  let second: TestApp;
  let admin: SignedIn;
  let customer: SignedIn;

  beforeAll(async () => {
    first = await startTestApp({ kind: "postgres", env: { NATS_URL: nats.url } });
    second = await startTestApp({ database: first.database, env: { NATS_URL: nats.url } });
    admin = await signInAdmin(first);
    customer = await registerCustomer(first);
  });

  afterAll(async () => {
    await second?.stop();
    await first?.stop();
    await first?.database.drop();
  });

  it.each(SURFACES)("a watcher on one instance sees every change made on the other (%s)", async (surface) => {
    const [p] = await createProducts(first, admin, [{ stock: 10 }]);
    if (!p) throw new Error("no product");
    const { order } = await clientFor(surface, OrderService, first).placeOrder(
      { items: [{ productId: p.id, quantity: 1 }] },
      customer.call,
    );
    const orderId = order?.id ?? "";
    const seen: OrderStatus[] = [];
    const watching = (async () => {
      for await (const m of clientFor(surface, OrderService, second).watchOrder({ orderId }, customer.call))
        seen.push(m.order?.status ?? OrderStatus.UNSPECIFIED);
    })();
    await eventually(() => expect(seen).toEqual([OrderStatus.PENDING]));
    const onFirst = clientFor(surface, OrderService, first);
    await onFirst.updateOrderStatus({ orderId, status: OrderStatus.PAID }, admin.call);
    await eventually(() => expect(seen).toEqual([OrderStatus.PENDING, OrderStatus.PAID]), {
      timeoutMs: 5000,
    });
    await onFirst.updateOrderStatus({ orderId, status: OrderStatus.SHIPPED }, admin.call);
    await onFirst.updateOrderStatus({ orderId, status: OrderStatus.DELIVERED }, admin.call);
    await watching;
    expect(seen).toEqual([OrderStatus.PENDING, OrderStatus.PAID, OrderStatus.SHIPPED, OrderStatus.DELIVERED]);
  });

  describe("with the fulfilment simulator at 1 s on both", () => {
    let a: TestApp;
    let b: TestApp;

    beforeAll(async () => {
      const env = { NATS_URL: nats.url, ORDER_AUTO_ADVANCE: "1s" };
      a = await startTestApp({ kind: "postgres", env });
      b = await startTestApp({ database: a.database, env });
    });

    afterAll(async () => {
      await b?.stop();
      await a?.stop();
      await a?.database.drop();
    });

    it("delivers every order through three audited steps, each exactly once, and streams them", async () => {
      const boss = await signInAdmin(a);
      const shopper = await registerCustomer(a);
      const [p] = await createProducts(a, boss, [{ stock: 100 }]);
      if (!p) throw new Error("no product");
      const orderIds: string[] = [];
      for (let i = 0; i < 8; i++) {
        const app = i % 2 === 0 ? a : b;
        const { order } = await clientFor("connect", OrderService, app).placeOrder(
          { items: [{ productId: p.id, quantity: 1 }] },
          shopper.call,
        );
        orderIds.push(order?.id ?? "");
      }
      // One order followed live from the instance that did not place it.
      const streamed: OrderStatus[] = [];
      const watching = (async () => {
        for await (const m of clientFor("grpc", OrderService, b).watchOrder(
          { orderId: orderIds[0] ?? "" },
          shopper.call,
        ))
          streamed.push(m.order?.status ?? OrderStatus.UNSPECIFIED);
      })();

      const orders = clientFor("grpc", OrderService, a);
      await eventually(
        async () => {
          for (const orderId of orderIds) {
            const { order } = await orders.getOrder({ orderId }, boss.call);
            expect(order?.status).toBe(OrderStatus.DELIVERED);
          }
        },
        { timeoutMs: 25_000, intervalMs: 250 },
      );
      await watching;
      expect(streamed.at(-1)).toBe(OrderStatus.DELIVERED);
      expect(streamed).toEqual([...new Set(streamed)]);

      for (const orderId of orderIds) {
        const { order } = await orders.getOrder({ orderId }, boss.call);
        expect(order?.statusHistory.map((c) => [c.status, c.actorType])).toEqual([
          [OrderStatus.PENDING, ActorType.CUSTOMER],
          [OrderStatus.PAID, ActorType.SYSTEM],
          [OrderStatus.SHIPPED, ActorType.SYSTEM],
          [OrderStatus.DELIVERED, ActorType.SYSTEM],
        ]);
        // Each step at least a period after the previous change.
        const times =
          order?.statusHistory.map(
            (c) => Number(c.changeTime?.seconds) * 1000 + (c.changeTime?.nanos ?? 0) / 1e6,
          ) ?? [];
        for (let i = 1; i < times.length; i++)
          expect((times[i] ?? 0) - (times[i - 1] ?? 0)).toBeGreaterThanOrEqual(990);
      }
      for (const row of await statusEvents(a, orderIds)) expect(row).toMatchObject({ events: 3, steps: 3 });
    }, 40_000);
  });
});

describe("the simulator on the embedded default", () => {
  let app: TestApp;

  beforeAll(async () => {
    app = await startTestApp({ kind: "pglite", env: { ORDER_AUTO_ADVANCE: "1s" } });
  });

  afterAll(async () => {
    await app?.stop();
  });

  it("delivers orders through three steps, each one status event", async () => {
    const admin = await signInAdmin(app);
    const customer = await registerCustomer(app);
    const [p] = await createProducts(app, admin, [{ stock: 10 }]);
    if (!p) throw new Error("no product");
    const orders = clientFor("connect", OrderService, app);
    const orderIds: string[] = [];
    for (let i = 0; i < 3; i++) {
      const { order } = await orders.placeOrder({ items: [{ productId: p.id, quantity: 1 }] }, customer.call);
      orderIds.push(order?.id ?? "");
    }
    const streamed: OrderStatus[] = [];
    for await (const m of orders.watchOrder({ orderId: orderIds[0] ?? "" }, customer.call))
      streamed.push(m.order?.status ?? OrderStatus.UNSPECIFIED);
    expect(streamed).toEqual([
      OrderStatus.PENDING,
      OrderStatus.PAID,
      OrderStatus.SHIPPED,
      OrderStatus.DELIVERED,
    ]);
    await eventually(
      async () => {
        for (const orderId of orderIds)
          expect((await orders.getOrder({ orderId }, customer.call)).order?.status).toBe(
            OrderStatus.DELIVERED,
          );
      },
      { timeoutMs: 15_000, intervalMs: 250 },
    );
    for (const row of await statusEvents(app, orderIds)) expect(row).toMatchObject({ events: 3, steps: 3 });
  }, 30_000);
});
