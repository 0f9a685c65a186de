import { fromBinary } from "@bufbuild/protobuf";
import { Code } from "@connectrpc/connect";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CatalogService } from "../../gen/shopfloor/catalog/v1/catalog_pb.js";
import { BadRequestSchema } from "../../gen/shopfloor/common/v1/common_pb.js";
import { OrderPlacedSchema, OrderStatusChangedSchema } from "../../gen/shopfloor/events/v1/events_pb.js";
import { IdentityService, Role } from "../../gen/shopfloor/identity/v1/identity_pb.js";
import {
  ActorType,
  type Order,
  OrderService,
  OrderStatus,
  RejectionReason,
} from "../../gen/shopfloor/ordering/v1/ordering_pb.js";
import {
  bearer,
  clientFor,
  closeGrpcClients,
  expectCode,
  SURFACES,
  type Surface,
} from "../support/clients.js";
import { BUSES } from "../support/event-backbones.js";
import { eventually } from "../support/eventually.js";
import { type PrivateNatsServer, startPrivateNatsServer } from "../support/nats-server.js";
import { createProducts, registerCustomer, type SignedIn, signInAdmin } from "../support/shop.js";
import { startTestApp, type TestApp, uniqueName } from "../support/test-app.js";

// OrderService end to end, every RPC and every error of issue 6, over Connect and gRPC, on PostgreSQL with
// JetStream and on the embedded default (PGlite with the in-process bus).

let nats: PrivateNatsServer;

beforeAll(async () => {
  nats = await startPrivateNatsServer();
});

afterAll(async () => {
  closeGrpcClients();
  await nats?.dispose();
});

describe.each(BUSES)("OrderService on $database with the $bus bus", ({ bus, database }) => {
  let app: TestApp;
  let admin: SignedIn;
  let alice: SignedIn;
  let bob: SignedIn;
  let office: SignedIn;

  beforeAll(async () => {
    app = await startTestApp({ kind: database, env: bus === "jetstream" ? { NATS_URL: nats.url } : {} });
    admin = await signInAdmin(app);
    alice = await registerCustomer(app);
    bob = await registerCustomer(app);
    const identity = clientFor("connect", IdentityService, app);
    const username = uniqueName("o_");
    await identity.createUser(
      {
        email: `${username}@example.com`,
        username,
        password: "long enough password",
        role: Role.REGIONAL_OFFICE,
        officeCode: "ORD-TEST",
      },
      admin.call,
    );
    const session = await identity.login({ login: username, password: "long enough password" });
    office = { userId: session.user?.id ?? "", call: bearer(session.accessToken) };
  });

  afterAll(async () => {
    await app?.stop();
    await app?.database.drop();
  });

  const stockOf = async (productId: string) =>
    (await clientFor("connect", CatalogService, app).getProduct({ productId }, admin.call)).product
      ?.stockQuantity;

  describe.each(SURFACES)("over %s", (surface: Surface) => {
    const orders = () => clientFor(surface, OrderService, app);
    const place = (
      who: SignedIn,
      items: Array<[string, number]>,
      options: { idempotencyKey?: string; allowPartial?: boolean } = {},
    ) =>
      orders().placeOrder(
        { items: items.map(([productId, quantity]) => ({ productId, quantity })), ...options },
        who.call,
      );

    it("places an order at catalog prices with a server-computed total, and takes the stock", async () => {
      const [a, b] = await createProducts(app, admin, [
        { stock: 5, price: 250 },
        { stock: 3, price: 1999 },
      ]);
      if (!a || !b) throw new Error("no products");
      const { order, rejectedItems, idempotentReplay } = await place(alice, [
        [b.id, 2],
        [a.id, 4],
      ]);
      expect(rejectedItems).toEqual([]);
      expect(idempotentReplay).toBe(false);
      expect(order).toMatchObject({
        customerId: alice.userId,
        status: OrderStatus.PENDING,
        total: { currencyCode: "EUR", amountMinor: BigInt(2 * 1999 + 4 * 250) },
      });
      expect(
        order?.items.map((i) => [i.productId, i.quantity, i.unitPrice?.amountMinor, i.productName]),
      ).toEqual([
        [b.id, 2, 1999n, b.name],
        [a.id, 4, 250n, a.name],
      ]);
      expect(order?.items[0]?.lineTotal?.amountMinor).toBe(3998n);
      expect(order?.statusHistory.map((c) => [c.status, c.actorType, c.actorId])).toEqual([
        [OrderStatus.PENDING, ActorType.CUSTOMER, alice.userId],
      ]);
      expect([await stockOf(a.id), await stockOf(b.id)]).toEqual([1, 1]);

      // Owner and admin read it; anyone else is told it does not exist.
      expect((await orders().getOrder({ orderId: order?.id ?? "" }, alice.call)).order).toEqual(order);
      expect((await orders().getOrder({ orderId: order?.id ?? "" }, admin.call)).order).toEqual(order);
      await expectCode(orders().getOrder({ orderId: order?.id ?? "" }, bob.call), Code.NotFound);
      await expectCode(orders().getOrder({ orderId: order?.id ?? "" }, office.call), Code.PermissionDenied);
      await expectCode(orders().getOrder({ orderId: order?.id ?? "" }), Code.Unauthenticated);
      await expectCode(orders().getOrder({ orderId: "not-an-id" }, alice.call), Code.InvalidArgument);

      const events = await app.sql<{ type: string; payload: Uint8Array }[]>`
        select type, payload from outbox where aggregate_id = ${order?.id ?? ""} order by seq`;
      expect(events.map((e) => e.type)).toEqual(["ordering.order_placed"]);
      expect(fromBinary(OrderPlacedSchema, events[0]?.payload as Uint8Array)).toMatchObject({
        orderId: order?.id,
        customerId: alice.userId,
        total: { amountMinor: BigInt(2 * 1999 + 4 * 250) },
        items: [
          { productId: b.id, quantity: 2, productName: b.name },
          { productId: a.id, quantity: 4, productName: a.name },
        ],
      });
      const movements = await app.sql<{ product_id: string; delta: number }[]>`
        select product_id, delta from stock_movements where reference_id = ${order?.id ?? ""} order by product_id`;
      expect(movements.map((m) => [m.product_id, m.delta])).toEqual(
        [
          [a.id, -4],
          [b.id, -2],
        ].sort(([x], [y]) => String(x).localeCompare(String(y))),
      );
    });

    it("fails an order with any line short of stock, archived or unknown, naming the lines and touching no stock", async () => {
      const [ok, short, archived] = await createProducts(app, admin, [
        { stock: 10 },
        { stock: 2 },
        { stock: 10 },
      ]);
      if (!ok || !short || !archived) throw new Error("no products");
      await clientFor("connect", CatalogService, app).archiveProduct({ productId: archived.id }, admin.call);
      const unknown = "0190f0e0-0000-7000-8000-0000000000ff";
      const error = await expectCode(
        place(alice, [
          [ok.id, 1],
          [short.id, 3],
          [archived.id, 1],
          [unknown, 1],
        ]),
        Code.FailedPrecondition,
      );
      expect(error.rawMessage).toContain(short.id);
      expect(error.findDetails(BadRequestSchema)[0]?.fieldViolations.map((v) => v.field)).toEqual([
        "items[1].quantity",
        "items[2].product_id",
        "items[3].product_id",
      ]);
      expect([await stockOf(ok.id), await stockOf(short.id), await stockOf(archived.id)]).toEqual([
        10, 2, 10,
      ]);
      const [row] = await app.sql<{ n: number }[]>`
        select count(*)::int as n from stock_movements where product_id = ${ok.id}`;
      expect(row?.n).toBe(1);
    });

    it("with allow_partial orders what it can and returns the rest with machine-readable reasons", async () => {
      const [ok, short, archived] = await createProducts(app, admin, [
        { stock: 10, price: 300 },
        { stock: 2 },
        { stock: 10 },
      ]);
      if (!ok || !short || !archived) throw new Error("no products");
      await clientFor("connect", CatalogService, app).archiveProduct({ productId: archived.id }, admin.call);
      const unknown = "0190f0e0-0000-7000-8000-0000000000fe";
      const { order, rejectedItems } = await place(
        alice,
        [
          [short.id, 3],
          [ok.id, 4],
          [unknown, 7],
          [archived.id, 1],
        ],
        { allowPartial: true },
      );
      expect(order?.items.map((i) => [i.productId, i.quantity])).toEqual([[ok.id, 4]]);
      expect(order?.total?.amountMinor).toBe(1200n);
      expect(rejectedItems.map((r) => [r.productId, r.quantity, r.reason])).toEqual([
        [short.id, 3, RejectionReason.INSUFFICIENT_STOCK],
        [unknown, 7, RejectionReason.NOT_FOUND],
        [archived.id, 1, RejectionReason.ARCHIVED],
      ]);
      expect([await stockOf(ok.id), await stockOf(short.id)]).toEqual([6, 2]);

      const error = await expectCode(
        place(
          alice,
          [
            [short.id, 3],
            [unknown, 1],
          ],
          { allowPartial: true },
        ),
        Code.FailedPrecondition,
      );
      expect(error.findDetails(BadRequestSchema)[0]?.fieldViolations).toHaveLength(2);
    });

    it("refuses malformed orders with INVALID_ARGUMENT and field violations", async () => {
      const [p] = await createProducts(app, admin, [{ stock: 10 }]);
      if (!p) throw new Error("no product");
      const fields = async (items: Array<[string, number]>, options = {}) =>
        (await expectCode(place(alice, items, options), Code.InvalidArgument))
          .findDetails(BadRequestSchema)[0]
          ?.fieldViolations.map((v) => v.field);
      expect(
        await fields([
          [p.id, 1],
          [p.id, 2],
        ]),
      ).toEqual(["items[1].product_id"]);
      expect(await fields([])).toEqual(["items"]);
      expect(await fields([[p.id, 0]])).toEqual(["items[0].quantity"]);
      expect(await fields([[p.id, 10_001]])).toEqual(["items[0].quantity"]);
      expect(await fields([["nope", 1]])).toEqual(["items[0].product_id"]);
      expect(await fields([[p.id, 1]], { idempotencyKey: "x".repeat(256) })).toEqual(["idempotency_key"]);
      const many = Array.from({ length: 101 }, (_, i): [string, number] => [
        `0190f0e0-0000-7000-8000-${i.toString(16).padStart(12, "0")}`,
        1,
      ]);
      expect(await fields(many)).toEqual(["items"]);
      await expectCode(place(admin, [[p.id, 1]]), Code.PermissionDenied);
      await expectCode(place(office, [[p.id, 1]]), Code.PermissionDenied);
      expect(await stockOf(p.id)).toBe(10);
    });

    it("returns the first result for a repeated idempotency key, and refuses the key with another request", async () => {
      const [p] = await createProducts(app, admin, [{ stock: 10 }]);
      if (!p) throw new Error("no product");
      const key = uniqueName("checkout-");
      const first = await place(alice, [[p.id, 2]], { idempotencyKey: key });
      const again = await place(alice, [[p.id, 2]], { idempotencyKey: key });
      expect(again.idempotentReplay).toBe(true);
      expect(again.order).toEqual(first.order);
      expect(await stockOf(p.id)).toBe(8);
      const error = await expectCode(
        place(alice, [[p.id, 3]], { idempotencyKey: key }),
        Code.InvalidArgument,
      );
      expect(error.findDetails(BadRequestSchema)[0]?.fieldViolations[0]?.field).toBe("idempotency_key");
      // Keys are the customer's own: Bob's use of the same key is a new order.
      const bobs = await place(bob, [[p.id, 2]], { idempotencyKey: key });
      expect(bobs.idempotentReplay).toBe(false);
      expect(bobs.order?.id).not.toBe(first.order?.id);
      expect(await stockOf(p.id)).toBe(6);
    });

    it("lists a customer's own orders newest first, cursor-paged; admins filter by customer and status", async () => {
      const carol = await registerCustomer(app);
      const [p] = await createProducts(app, admin, [{ stock: 100 }]);
      if (!p) throw new Error("no product");
      const placed: string[] = [];
      for (let i = 0; i < 5; i++) placed.push((await place(carol, [[p.id, 1]])).order?.id ?? "");
      await place(bob, [[p.id, 1]]);
      await orders().updateOrderStatus({ orderId: placed[1] ?? "", status: OrderStatus.PAID }, admin.call);

      const seen: string[] = [];
      let pageToken = "";
      do {
        const page = await orders().listOrders({ pageSize: 2, pageToken }, carol.call);
        expect(page.orders.length).toBeLessThanOrEqual(2);
        seen.push(...page.orders.map((o) => o.id));
        pageToken = page.nextPageToken;
      } while (pageToken);
      expect(seen).toEqual([...placed].reverse());

      const paid = await orders().listOrders(
        { customerId: carol.userId, status: OrderStatus.PAID },
        admin.call,
      );
      expect(paid.orders.map((o) => o.id)).toEqual([placed[1]]);
      const everyone = await orders().listOrders({ pageSize: 100 }, admin.call);
      expect(everyone.orders.map((o) => o.customerId)).toContain(bob.userId);
      const own = await orders().listOrders(
        { customerId: carol.userId, status: OrderStatus.PENDING },
        carol.call,
      );
      expect(own.orders).toHaveLength(4);

      await expectCode(orders().listOrders({ customerId: bob.userId }, carol.call), Code.PermissionDenied);
      const first = await orders().listOrders({ pageSize: 1 }, carol.call);
      await expectCode(
        orders().listOrders({ pageSize: 1, pageToken: first.nextPageToken }, bob.call),
        Code.InvalidArgument,
      );
      await expectCode(orders().listOrders({ pageToken: "forged" }, carol.call), Code.InvalidArgument);
      await expectCode(orders().listOrders({ status: 42 as OrderStatus }, carol.call), Code.InvalidArgument);
    });

    it("cancels for the owner while PENDING or PAID, returning the stock exactly once with ledger rows", async () => {
      const [a, b] = await createProducts(app, admin, [{ stock: 10 }, { stock: 10 }]);
      if (!a || !b) throw new Error("no products");
      const { order } = await place(alice, [
        [a.id, 3],
        [b.id, 4],
      ]);
      const orderId = order?.id ?? "";
      await expectCode(orders().cancelOrder({ orderId }, bob.call), Code.NotFound);
      const { order: cancelled } = await orders().cancelOrder({ orderId }, alice.call);
      expect(cancelled?.status).toBe(OrderStatus.CANCELLED);
      expect(cancelled?.statusHistory.at(-1)).toMatchObject({
        status: OrderStatus.CANCELLED,
        actorType: ActorType.CUSTOMER,
        actorId: alice.userId,
      });
      expect([await stockOf(a.id), await stockOf(b.id)]).toEqual([10, 10]);
      const second = await expectCode(orders().cancelOrder({ orderId }, alice.call), Code.FailedPrecondition);
      expect(second.rawMessage).toContain("already cancelled");
      await expectCode(orders().cancelOrder({ orderId }, admin.call), Code.FailedPrecondition);
      expect([await stockOf(a.id), await stockOf(b.id)]).toEqual([10, 10]);
      const returned = await app.sql<{ delta: number; reason: string }[]>`
        select delta, reason from stock_movements where reference_id = ${orderId} and delta > 0 order by delta`;
      expect(returned).toEqual([
        { delta: 3, reason: "order cancelled" },
        { delta: 4, reason: "order cancelled" },
      ]);

      // PAID can still be cancelled (here by an admin); SHIPPED cannot, by anyone.
      const paid = (await place(alice, [[a.id, 1]])).order?.id ?? "";
      await orders().updateOrderStatus({ orderId: paid, status: OrderStatus.PAID }, admin.call);
      const byAdmin = await orders().cancelOrder({ orderId: paid }, admin.call);
      expect(byAdmin.order?.statusHistory.at(-1)?.actorType).toBe(ActorType.ADMIN);
      const shipped = (await place(alice, [[a.id, 1]])).order?.id ?? "";
      await orders().updateOrderStatus({ orderId: shipped, status: OrderStatus.PAID }, admin.call);
      await orders().updateOrderStatus({ orderId: shipped, status: OrderStatus.SHIPPED }, admin.call);
      await expectCode(orders().cancelOrder({ orderId: shipped }, alice.call), Code.FailedPrecondition);
      await expectCode(orders().cancelOrder({ orderId: shipped }, admin.call), Code.FailedPrecondition);
      expect(await stockOf(a.id)).toBe(9);
    });

    it("lets only an admin change status, only along the lifecycle, each change audited and emitted", async () => {
      const [p] = await createProducts(app, admin, [{ stock: 10 }]);
      if (!p) throw new Error("no product");
      const orderId = (await place(alice, [[p.id, 1]])).order?.id ?? "";
      await expectCode(
        orders().updateOrderStatus({ orderId, status: OrderStatus.PAID }, alice.call),
        Code.PermissionDenied,
      );
      const skip = await expectCode(
        orders().updateOrderStatus({ orderId, status: OrderStatus.SHIPPED }, admin.call),
        Code.FailedPrecondition,
      );
      expect(skip.findDetails(BadRequestSchema)[0]?.fieldViolations[0]?.field).toBe("status");
      await expectCode(
        orders().updateOrderStatus({ orderId, status: OrderStatus.UNSPECIFIED }, admin.call),
        Code.InvalidArgument,
      );
      await expectCode(
        orders().updateOrderStatus(
          { orderId: "0190f0e0-0000-7000-8000-0000000000aa", status: OrderStatus.PAID },
          admin.call,
        ),
        Code.NotFound,
      );
      let order: Order | undefined;
      for (const status of [OrderStatus.PAID, OrderStatus.SHIPPED, OrderStatus.DELIVERED]) {
        order = (await orders().updateOrderStatus({ orderId, status }, admin.call)).order;
        expect(order?.status).toBe(status);
      }
      await expectCode(
        orders().updateOrderStatus({ orderId, status: OrderStatus.CANCELLED }, admin.call),
        Code.FailedPrecondition,
      );
      expect(order?.statusHistory.map((c) => [c.status, c.actorType, c.actorId])).toEqual([
        [OrderStatus.PENDING, ActorType.CUSTOMER, alice.userId],
        [OrderStatus.PAID, ActorType.ADMIN, admin.userId],
        [OrderStatus.SHIPPED, ActorType.ADMIN, admin.userId],
        [OrderStatus.DELIVERED, ActorType.ADMIN, admin.userId],
      ]);
      const events = await app.sql<{ payload: Uint8Array }[]>`
        select payload from outbox where aggregate_id = ${orderId} and type = 'ordering.order_status_changed'
        order by seq`;
      expect(events.map((e) => fromBinary(OrderStatusChangedSchema, e.payload))).toMatchObject([
        {
          previousStatus: "ORDER_STATUS_PENDING",
          status: "ORDER_STATUS_PAID",
          actorType: "ACTOR_TYPE_ADMIN",
          actorId: admin.userId,
          sequence: 1,
        },
        { previousStatus: "ORDER_STATUS_PAID", status: "ORDER_STATUS_SHIPPED", sequence: 2 },
        { previousStatus: "ORDER_STATUS_SHIPPED", status: "ORDER_STATUS_DELIVERED", sequence: 3 },
      ]);
    });

    it("streams the order and each change to its watcher until it is final", async () => {
      const [p] = await createProducts(app, admin, [{ stock: 10 }]);
      if (!p) throw new Error("no product");
      const orderId = (await place(alice, [[p.id, 1]])).order?.id ?? "";
      const seen: OrderStatus[] = [];
      const reading = (async () => {
        for await (const message of orders().watchOrder({ orderId }, alice.call))
          seen.push(message.order?.status ?? 0);
      })();
      await eventually(() => expect(seen).toEqual([OrderStatus.PENDING]));
      await orders().updateOrderStatus({ orderId, status: OrderStatus.PAID }, admin.call);
      await eventually(() => expect(seen).toEqual([OrderStatus.PENDING, OrderStatus.PAID]));
      await orders().cancelOrder({ orderId }, alice.call);
      await reading;
      expect(seen).toEqual([OrderStatus.PENDING, OrderStatus.PAID, OrderStatus.CANCELLED]);
    });

    it("ends a watch when the client leaves, and hides other customers' orders", async () => {
      const [p] = await createProducts(app, admin, [{ stock: 10 }]);
      if (!p) throw new Error("no product");
      const orderId = (await place(alice, [[p.id, 1]])).order?.id ?? "";
      const leave = new AbortController();
      const seen: OrderStatus[] = [];
      const reading = (async () => {
        for await (const message of orders().watchOrder({ orderId }, { ...admin.call, signal: leave.signal }))
          seen.push(message.order?.status ?? 0);
      })().catch((error: unknown) => error);
      await eventually(() => expect(seen).toEqual([OrderStatus.PENDING]));
      leave.abort();
      await reading;

      const other = (async () => {
        for await (const _ of orders().watchOrder({ orderId }, bob.call)) {
        }
      })();
      await expectCode(other, Code.NotFound);
      const delivered = (async () => {
        for await (const _ of orders().watchOrder({ orderId: "nope" }, alice.call)) {
        }
      })();
      await expectCode(delivered, Code.InvalidArgument);

      // Streams are counted with the code they ended with, on the surface they ran on.
      const protocol = surface === "connect" ? "connect" : "grpc";
      const metrics = await (await fetch(`${app.httpUrl}/metrics`)).text();
      const counted = (code: string) =>
        new RegExp(`method="WatchOrder",protocol="${protocol}",code="${code}"\\} [1-9]`).test(metrics);
      expect(counted("NotFound")).toBe(true);
      expect(counted("InvalidArgument")).toBe(true);
    });
  });
});
