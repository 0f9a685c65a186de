import { describe, expect, it } from "vitest";
import { createCategory } from "../../src/domain/catalog/create-category.js";
import { createProduct } from "../../src/domain/catalog/create-product.js";
import type { Principal } from "../../src/domain/identity/principal.js";
import {
  ADVANCE_ORDER_JOB,
  advanceOrder,
  runFulfilmentSimulator,
} from "../../src/domain/ordering/advance-order.js";
import { cancelOrder } from "../../src/domain/ordering/cancel-order.js";
import type { OrderStatusChanged } from "../../src/domain/ordering/events.js";
import { getOrder } from "../../src/domain/ordering/get-order.js";
import { listOrders } from "../../src/domain/ordering/list-orders.js";
import type { Order } from "../../src/domain/ordering/order.js";
import { placeOrder } from "../../src/domain/ordering/place-order.js";
import { updateOrderStatus } from "../../src/domain/ordering/update-order-status.js";
import { watchOrder } from "../../src/domain/ordering/watch-order.js";
import {
  FailedPrecondition,
  InvalidArgument,
  NotFound,
  PermissionDenied,
} from "../../src/domain/shared/errors.js";
import type { Job } from "../../src/domain/shared/job-scheduler.js";
import { type OrderingFakes, orderingFakes } from "../support/fakes/ordering-fakes.js";

const ADMIN: Principal = { userId: "0190f0e0-0000-7000-8000-000000000001", role: "ADMIN" };
const CUSTOMER: Principal = { userId: "0190f0e0-0000-7000-8000-00000000c001", role: "CUSTOMER" };
const OTHER: Principal = { userId: "0190f0e0-0000-7000-8000-00000000c002", role: "CUSTOMER" };

async function placed(f: OrderingFakes, quantities: number[] = [2], customer = CUSTOMER): Promise<Order> {
  let category = [...f.catalog.categories.rows.values()][0];
  category ??= await createCategory(f.catalog.deps, { slug: "tools", name: "Tools", description: "" });
  const items = [];
  for (const quantity of quantities) {
    const p = await createProduct(f.catalog.deps, {
      name: `Product ${f.catalog.products.rows.size}`,
      description: "",
      categoryId: category.id,
      price: { currencyCode: "EUR", amountMinor: 500 },
      initialStock: 10,
      actorId: ADMIN.userId,
    });
    items.push({ productId: p.id, quantity });
  }
  const { order } = await placeOrder(f.deps, {
    customerId: customer.userId,
    items,
    idempotencyKey: "",
    allowPartial: false,
  });
  return order;
}

const stockOf = (f: OrderingFakes, id: string) => f.catalog.products.rows.get(id)?.stockQuantity;
const statusEvents = (f: OrderingFakes, orderId: string) =>
  f.events.filter(
    (e): e is OrderStatusChanged => e.type === "ordering.order_status_changed" && e.aggregateId === orderId,
  );

describe("cancelOrder", () => {
  it("cancels a PENDING order for its customer and returns its stock once, with ledger rows", async () => {
    const f = orderingFakes();
    const order = await placed(f, [2, 3]);
    const [a, b] = order.items.map((i) => i.productId) as [string, string];
    expect([stockOf(f, a), stockOf(f, b)]).toEqual([8, 7]);

    f.tick();
    const cancelled = await cancelOrder(f.deps, CUSTOMER, order.id);
    expect(cancelled.status).toBe("CANCELLED");
    expect(cancelled.history.at(-1)).toEqual({
      status: "CANCELLED",
      changeTime: f.now(),
      actor: { type: "customer", userId: CUSTOMER.userId },
    });
    expect([stockOf(f, a), stockOf(f, b)]).toEqual([10, 10]);
    const returned = f.catalog.ledger.rows.filter((m) => m.referenceId === order.id && m.delta > 0);
    expect(returned.map((m) => [m.productId, m.delta, m.reason]).sort()).toEqual(
      [
        [a, 2, "order cancelled"],
        [b, 3, "order cancelled"],
      ].sort(),
    );

    const again = await cancelOrder(f.deps, CUSTOMER, order.id).catch((e: unknown) => e);
    expect(again).toBeInstanceOf(FailedPrecondition);
    expect((again as Error).message).toContain("already cancelled");
    expect([stockOf(f, a), stockOf(f, b)]).toEqual([10, 10]);
    expect(statusEvents(f, order.id).map((e) => [e.payload.previousStatus, e.payload.status])).toEqual([
      ["PENDING", "CANCELLED"],
    ]);
  });

  it("lets the customer cancel while PAID but not once SHIPPED; an admin is bound by the same table", async () => {
    const f = orderingFakes();
    const paid = await placed(f);
    await updateOrderStatus(f.deps, ADMIN, { orderId: paid.id, status: "PAID" });
    expect((await cancelOrder(f.deps, CUSTOMER, paid.id)).status).toBe("CANCELLED");

    const shipped = await placed(f);
    await updateOrderStatus(f.deps, ADMIN, { orderId: shipped.id, status: "PAID" });
    await updateOrderStatus(f.deps, ADMIN, { orderId: shipped.id, status: "SHIPPED" });
    await expect(cancelOrder(f.deps, CUSTOMER, shipped.id)).rejects.toBeInstanceOf(FailedPrecondition);
    await expect(cancelOrder(f.deps, ADMIN, shipped.id)).rejects.toBeInstanceOf(FailedPrecondition);
  });

  it("lets an admin cancel anyone's order, recorded as the admin's doing", async () => {
    const f = orderingFakes();
    const order = await placed(f);
    const cancelled = await cancelOrder(f.deps, ADMIN, order.id);
    expect(cancelled.history.at(-1)?.actor).toEqual({ type: "admin", userId: ADMIN.userId });
  });

  it("answers NotFound, never PermissionDenied, for another customer's order", async () => {
    const f = orderingFakes();
    const order = await placed(f);
    await expect(cancelOrder(f.deps, OTHER, order.id)).rejects.toBeInstanceOf(NotFound);
    await expect(getOrder(f.deps, OTHER, order.id)).rejects.toBeInstanceOf(NotFound);
    expect(f.orders.rows.get(order.id)?.status).toBe("PENDING");
  });
});

describe("updateOrderStatus", () => {
  it("moves an order only along the table, recording who and when, each change an event", async () => {
    const f = orderingFakes();
    const order = await placed(f);
    for (const status of ["PAID", "SHIPPED", "DELIVERED"] as const) {
      f.tick(1000);
      const updated = await updateOrderStatus(f.deps, ADMIN, { orderId: order.id, status });
      expect(updated).toMatchObject({ status, updateTime: f.now() });
    }
    const final = await getOrder(f.deps, CUSTOMER, order.id);
    expect(final.history.map((c) => [c.status, c.actor.type])).toEqual([
      ["PENDING", "customer"],
      ["PAID", "admin"],
      ["SHIPPED", "admin"],
      ["DELIVERED", "admin"],
    ]);
    expect(statusEvents(f, order.id).map((e) => [e.payload.status, e.payload.sequence])).toEqual([
      ["PAID", 1],
      ["SHIPPED", 2],
      ["DELIVERED", 3],
    ]);
    const error = await updateOrderStatus(f.deps, ADMIN, { orderId: order.id, status: "CANCELLED" }).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(FailedPrecondition);
    expect((error as FailedPrecondition).violations[0]?.field).toBe("status");
  });

  it("skipping a step is refused and changes nothing", async () => {
    const f = orderingFakes();
    const order = await placed(f);
    const before = f.events.length;
    await expect(
      updateOrderStatus(f.deps, ADMIN, { orderId: order.id, status: "SHIPPED" }),
    ).rejects.toBeInstanceOf(FailedPrecondition);
    expect(f.events).toHaveLength(before);
    expect(f.orders.rows.get(order.id)?.history).toHaveLength(1);
  });

  it("cancelling through it returns the stock like CancelOrder", async () => {
    const f = orderingFakes();
    const order = await placed(f, [4]);
    const productId = order.items[0]?.productId as string;
    await updateOrderStatus(f.deps, ADMIN, { orderId: order.id, status: "CANCELLED" });
    expect(stockOf(f, productId)).toBe(10);
  });

  it("requires a status and a well-formed id, and answers NotFound for an unknown order", async () => {
    const f = orderingFakes();
    const error = await updateOrderStatus(f.deps, ADMIN, { orderId: "x", status: undefined }).catch(
      (e: unknown) => e,
    );
    expect((error as InvalidArgument).violations.map((v) => v.field)).toEqual(["order_id", "status"]);
    await expect(
      updateOrderStatus(f.deps, ADMIN, { orderId: "0190f0e0-0000-7000-8000-0000000000aa", status: "PAID" }),
    ).rejects.toBeInstanceOf(NotFound);
  });
});

describe("listOrders", () => {
  it("pages a customer's own orders newest first, and lets an admin filter by customer and status", async () => {
    const f = orderingFakes();
    const mine: Order[] = [];
    for (let i = 0; i < 5; i++) mine.push(await placed(f));
    const theirs = await placed(f, [1], OTHER);
    await updateOrderStatus(f.deps, ADMIN, { orderId: mine[1]?.id as string, status: "PAID" });

    const seen: string[] = [];
    let pageToken = "";
    do {
      const page = await listOrders(f.deps, CUSTOMER, {
        pageSize: 2,
        pageToken,
        status: undefined,
        customerId: "",
      });
      seen.push(...page.items.map((o) => o.id));
      pageToken = page.nextCursor ?? "";
    } while (pageToken);
    expect(seen).toEqual(mine.map((o) => o.id).reverse());

    const all = await listOrders(f.deps, ADMIN, {
      pageSize: 0,
      pageToken: "",
      status: undefined,
      customerId: "",
    });
    expect(all.items.map((o) => o.id)).toEqual([theirs.id, ...seen]);
    const paid = await listOrders(f.deps, ADMIN, {
      pageSize: 0,
      pageToken: "",
      status: "PAID",
      customerId: CUSTOMER.userId,
    });
    expect(paid.items.map((o) => o.id)).toEqual([mine[1]?.id]);
    const ownPending = await listOrders(f.deps, CUSTOMER, {
      pageSize: 0,
      pageToken: "",
      status: "PENDING",
      customerId: CUSTOMER.userId,
    });
    expect(ownPending.items).toHaveLength(4);
  });

  it("refuses a customer's filter on another customer, and a token of another query", async () => {
    const f = orderingFakes();
    await placed(f);
    await placed(f);
    await expect(
      listOrders(f.deps, CUSTOMER, {
        pageSize: 0,
        pageToken: "",
        status: undefined,
        customerId: OTHER.userId,
      }),
    ).rejects.toBeInstanceOf(PermissionDenied);
    const page = await listOrders(f.deps, CUSTOMER, {
      pageSize: 1,
      pageToken: "",
      status: undefined,
      customerId: "",
    });
    await expect(
      listOrders(f.deps, OTHER, {
        pageSize: 1,
        pageToken: page.nextCursor ?? "",
        status: undefined,
        customerId: "",
      }),
    ).rejects.toBeInstanceOf(InvalidArgument);
  });
});

describe("the fulfilment simulator", () => {
  it("schedules each open status's step one period after the change, and moves on only from that status", async () => {
    const f = orderingFakes({ autoAdvanceMs: 60_000 });
    const order = await placed(f);
    expect(f.jobs.pending()).toEqual([
      expect.objectContaining({
        name: ADVANCE_ORDER_JOB,
        key: `${order.id}:PENDING`,
        runAt: new Date(order.updateTime.getTime() + 60_000),
        payload: { orderId: order.id, from: "PENDING" },
      }),
    ]);
    f.tick(60_000);
    const paid = await advanceOrder(f.deps, { orderId: order.id, from: "PENDING" });
    expect(paid?.status).toBe("PAID");
    expect(paid?.history.at(-1)?.actor).toEqual({ type: "system" });
    // A rerun of the same step (its lease ran out after the commit) changes nothing.
    expect(await advanceOrder(f.deps, { orderId: order.id, from: "PENDING" })).toBeUndefined();
    expect(f.jobs.pending().map((j) => j.key)).toEqual([`${order.id}:PAID`]);

    f.tick(60_000);
    await advanceOrder(f.deps, { orderId: order.id, from: "PAID" });
    f.tick(60_000);
    const delivered = await advanceOrder(f.deps, { orderId: order.id, from: "SHIPPED" });
    expect(delivered?.status).toBe("DELIVERED");
    expect(f.jobs.pending()).toEqual([]);
    expect(statusEvents(f, order.id).map((e) => [e.payload.status, e.payload.actor.type])).toEqual([
      ["PAID", "system"],
      ["SHIPPED", "system"],
      ["DELIVERED", "system"],
    ]);
  });

  it("re-arms from a manual change and stops for a cancelled order", async () => {
    const f = orderingFakes({ autoAdvanceMs: 30_000 });
    const order = await placed(f);
    f.tick(10_000);
    await updateOrderStatus(f.deps, ADMIN, { orderId: order.id, status: "PAID" });
    expect(f.jobs.pending()).toEqual([
      expect.objectContaining({ key: `${order.id}:PAID`, runAt: new Date(f.now().getTime() + 30_000) }),
    ]);
    await cancelOrder(f.deps, CUSTOMER, order.id);
    expect(f.jobs.pending()).toEqual([]);
    expect(await advanceOrder(f.deps, { orderId: order.id, from: "PAID" })).toBeUndefined();
  });

  it("schedules nothing when ORDER_AUTO_ADVANCE is off", async () => {
    const f = orderingFakes();
    await placed(f);
    expect(f.jobs.rows.size).toBe(0);
  });

  it("runs its steps through the scheduler's handler and refuses a malformed job", async () => {
    const f = orderingFakes({ autoAdvanceMs: 1000 });
    const order = await placed(f);
    let handler: ((job: Job) => Promise<void>) | undefined;
    runFulfilmentSimulator(f.deps, {
      handle: (name, h) => {
        expect(name).toBe(ADVANCE_ORDER_JOB);
        handler = h;
        return { stop: async () => {} };
      },
    });
    const job = f.jobs.pending()[0];
    if (!job) throw new Error("no job scheduled");
    await handler?.({
      name: job.name,
      key: job.key,
      runAt: job.runAt,
      payload: job.payload ?? null,
      attempt: 1,
    });
    expect(f.orders.rows.get(order.id)?.status).toBe("PAID");
    await expect(
      handler?.({
        name: ADVANCE_ORDER_JOB,
        key: "x",
        payload: { orderId: 1 },
        runAt: new Date(),
        attempt: 1,
      }),
    ).rejects.toThrow(/malformed/);
  });
});

describe("watchOrder", () => {
  const collect = async (iterator: AsyncGenerator<Order>, into: Order[]) => {
    for await (const order of iterator) into.push(order);
  };

  it("sends the order now, then each change (also changes made back to back), and ends once it is final", async () => {
    const f = orderingFakes();
    const order = await placed(f);
    const seen: Order[] = [];
    const done = collect(watchOrder(f.deps, CUSTOMER, order.id, new AbortController().signal), seen);
    await expect.poll(() => seen.length).toBe(1);
    await updateOrderStatus(f.deps, ADMIN, { orderId: order.id, status: "PAID" });
    await expect.poll(() => seen.length).toBe(2);
    await updateOrderStatus(f.deps, ADMIN, { orderId: order.id, status: "SHIPPED" });
    await updateOrderStatus(f.deps, ADMIN, { orderId: order.id, status: "DELIVERED" });
    await done;
    // SHIPPED and DELIVERED may be read in one go; SHIPPED is still sent, as the order stood then.
    expect(seen.map((o) => o.status)).toEqual(["PENDING", "PAID", "SHIPPED", "DELIVERED"]);
    expect(seen.map((o) => o.history.length)).toEqual([1, 2, 3, 4]);
    expect(f.live.subscriberCount).toBe(0);
  });

  it("stops when the caller leaves, and refuses another customer's order as NotFound", async () => {
    const f = orderingFakes();
    const order = await placed(f);
    const leave = new AbortController();
    const seen: Order[] = [];
    const done = collect(watchOrder(f.deps, ADMIN, order.id, leave.signal), seen);
    await expect.poll(() => seen.length).toBe(1);
    leave.abort();
    await done;
    expect(f.live.subscriberCount).toBe(0);

    const other = watchOrder(f.deps, OTHER, order.id, new AbortController().signal);
    await expect(other.next()).rejects.toBeInstanceOf(NotFound);
    expect(f.live.subscriberCount).toBe(0);
  });

  it("authorises before subscribing: a caller who may not see the order never subscribes", async () => {
    const f = orderingFakes();
    const order = await placed(f);
    await expect(
      watchOrder(f.deps, OTHER, order.id, new AbortController().signal).next(),
    ).rejects.toBeInstanceOf(NotFound);
    await expect(
      watchOrder(
        f.deps,
        CUSTOMER,
        "0190a0b0-0000-7000-8000-000000000000",
        new AbortController().signal,
      ).next(),
    ).rejects.toBeInstanceOf(NotFound);
    expect(f.live.subscriptions).toBe(0);
  });

  it("notices a change whose live event it missed when it re-reads", async () => {
    const f = orderingFakes();
    const order = await placed(f);
    const seen: Order[] = [];
    const leave = new AbortController();
    const done = collect(
      watchOrder({ ...f.deps, watchRecheckMs: 20 }, CUSTOMER, order.id, leave.signal),
      seen,
    );
    await expect.poll(() => seen.length).toBe(1);
    // Changed behind the bus's back, as on an instance whose events this one does not hear.
    await f.orders.recordStatusChange(order.id, {
      status: "PAID",
      changeTime: f.now(),
      actor: { type: "system" },
    });
    await expect.poll(() => seen.map((o) => o.status)).toEqual(["PENDING", "PAID"]);
    leave.abort();
    await done;
  });
});
