import { Code } from "@connectrpc/connect";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CatalogService } from "../../gen/shopfloor/catalog/v1/catalog_pb.js";
import { OrderService } from "../../gen/shopfloor/ordering/v1/ordering_pb.js";
import { clientFor, closeGrpcClients, expectCode, type Surface } from "../support/clients.js";
import { eventually } from "../support/eventually.js";
import { createProducts, registerCustomer, type SignedIn, signInAdmin } from "../support/shop.js";
import { startTestApp, type TestApp } from "../support/test-app.js";

// Issue 14.1: a call's deadline (grpc-timeout on gRPC, connect-timeout-ms on Connect) is honoured: work whose
// deadline passed is not started, and a transaction whose caller's deadline ran out is rolled back, not committed.

let app: TestApp;
let admin: SignedIn;
let alice: SignedIn;

beforeAll(async () => {
  app = await startTestApp();
  admin = await signInAdmin(app);
  alice = await registerCustomer(app);
});

afterAll(async () => {
  closeGrpcClients();
  await app?.stop();
  await app?.database.drop();
});

/** How many PlaceOrder calls the server has finished answering, whatever their code (from /metrics). */
async function placeOrdersAnswered(): Promise<number> {
  const text = await (await fetch(`${app.httpUrl}/metrics`)).text();
  let total = 0;
  for (const line of text.split("\n")) {
    if (line.startsWith("shopfloor_rpc_requests_total{") && line.includes('method="PlaceOrder"'))
      total += Number(line.split(" ").at(-1));
  }
  return total;
}

async function stockOf(productId: string): Promise<number | undefined> {
  const { product } = await clientFor("connect", CatalogService, app).getProduct({ productId }, admin.call);
  return product?.stockQuantity;
}

async function aliceOrdersOf(productId: string) {
  const mine = await clientFor("connect", OrderService, app).listOrders({ pageSize: 100 }, alice.call);
  return mine.orders.filter((o) => o.items.some((item) => item.productId === productId));
}

describe("deadlines", () => {
  it.each<Surface>(["grpc", "connect"])(
    "PlaceOrder on %s with a 1 ms deadline answers DEADLINE_EXCEEDED, places nothing and takes no stock",
    async (surface) => {
      const [product] = await createProducts(app, admin, [{ stock: 10 }]);
      if (!product) throw new Error("no product");
      const orders = clientFor(surface, OrderService, app);
      const line = { items: [{ productId: product.id, quantity: 1 }] };
      for (let i = 0; i < 5; i++) {
        await expectCode(orders.placeOrder(line, { ...alice.call, timeoutMs: 1 }), Code.DeadlineExceeded);
      }
      // One order with time to spare, then exactly its own effect.
      await orders.placeOrder(line, { ...alice.call, timeoutMs: 10_000 });
      expect(await stockOf(product.id)).toBe(9);
      expect(await aliceOrdersOf(product.id)).toHaveLength(1);
    },
  );

  it("a transaction whose deadline runs out while it waits is rolled back, not committed later", async () => {
    const [product] = await createProducts(app, admin, [{ stock: 10 }]);
    if (!product) throw new Error("no product");
    const before = await placeOrdersAnswered();
    // Another session holds the product's row, so PlaceOrder waits inside its transaction past its deadline.
    let release = () => {};
    const released = new Promise<void>((resolve) => (release = resolve));
    let locked = () => {};
    const isLocked = new Promise<void>((resolve) => (locked = resolve));
    const holder = app.database.sql.begin(async (tx) => {
      await tx`select id from products where id = ${product.id} for update`;
      locked();
      await released;
    });
    await isLocked;
    try {
      await expectCode(
        clientFor("grpc", OrderService, app).placeOrder(
          { items: [{ productId: product.id, quantity: 1 }] },
          { ...alice.call, timeoutMs: 300 },
        ),
        Code.DeadlineExceeded,
      );
      // The server answers too (its own count), having given up the lock wait rather than queuing behind it.
      await eventually(async () => expect(await placeOrdersAnswered()).toBe(before + 1));
    } finally {
      release();
      await holder;
    }
    const waiting = await app.database.sql`
      select count(*)::int as n from pg_stat_activity
      where datname = current_database() and application_name = 'shopfloor' and wait_event_type = 'Lock'`;
    expect(waiting[0]?.n).toBe(0);
    expect(await stockOf(product.id)).toBe(10);
    expect(await aliceOrdersOf(product.id)).toEqual([]);
  });

  it("Connect with connect-timeout-ms: 1 answers deadline_exceeded over raw HTTP", async () => {
    const [product] = await createProducts(app, admin, [{ stock: 10 }]);
    if (!product) throw new Error("no product");
    const response = await fetch(`${app.httpUrl}/shopfloor.ordering.v1.OrderService/PlaceOrder`, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        "connect-timeout-ms": "1",
        ...(alice.call.headers as Record<string, string>),
      },
      body: JSON.stringify({ items: [{ productId: product.id, quantity: 1 }] }),
    });
    expect(response.status).toBe(504);
    expect(await response.json()).toMatchObject({ code: "deadline_exceeded" });
    expect(await stockOf(product.id)).toBe(10);
  });

  it("a generous deadline changes nothing", async () => {
    const [product] = await createProducts(app, admin, [{ stock: 10 }]);
    if (!product) throw new Error("no product");
    for (const surface of ["grpc", "connect"] as const) {
      const { order } = await clientFor(surface, OrderService, app).placeOrder(
        { items: [{ productId: product.id, quantity: 1 }] },
        { ...alice.call, timeoutMs: 10_000 },
      );
      expect(order?.id).toBeTruthy();
    }
    expect(await stockOf(product.id)).toBe(8);
  });
});
