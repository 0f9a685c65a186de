import { Code, ConnectError } from "@connectrpc/connect";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CatalogService, type Product } from "../../gen/shopfloor/catalog/v1/catalog_pb.js";
import { OrderService } from "../../gen/shopfloor/ordering/v1/ordering_pb.js";
import { clientFor, closeGrpcClients, type Surface } from "../support/clients.js";
import { type PrivateNatsServer, startPrivateNatsServer } from "../support/nats-server.js";
import { createProducts, registerCustomer, type SignedIn, signInAdmin } from "../support/shop.js";
import { startTestApp, type TestApp, uniqueName } from "../support/test-app.js";

// Concurrency for real: hundreds of PlaceOrder calls at once, spread over two app instances on one
// PostgreSQL database (with JetStream) and over both transports; then the same on the embedded default.
// Whatever the interleaving, exactly the stock is sold, the ledger sums to the stock, crossed multi-line
// orders never deadlock, and one idempotency key makes one order.

interface Caller {
  readonly app: TestApp;
  readonly surface: Surface;
  readonly customer: SignedIn;
}

type Outcome = { ok: true; orderId: string; replayed: boolean } | { ok: false; code: Code; message: string };

async function placeAs(
  caller: Caller,
  items: ReadonlyArray<readonly [string, number]>,
  idempotencyKey = "",
): Promise<Outcome> {
  try {
    const response = await clientFor(caller.surface, OrderService, caller.app).placeOrder(
      { items: items.map(([productId, quantity]) => ({ productId, quantity })), idempotencyKey },
      caller.customer.call,
    );
    return { ok: true, orderId: response.order?.id ?? "", replayed: response.idempotentReplay };
  } catch (error) {
    const e = ConnectError.from(error);
    return { ok: false, code: e.code, message: e.rawMessage };
  }
}

/** Stock, ledger sum and units ordered of each product, straight from the database. */
async function books(app: TestApp, products: readonly Product[]) {
  const ids = products.map((p) => p.id);
  const rows = await app.sql<
    { id: string; stock: number; ledger: number; ordered: number; placed: number }[]
  >`
    select p.id, p.stock_quantity as stock,
           (select coalesce(sum(delta), 0)::int from stock_movements m where m.product_id = p.id) as ledger,
           (select coalesce(sum(quantity), 0)::int from order_items i where i.product_id = p.id) as ordered,
           (select coalesce(-sum(delta), 0)::int from stock_movements m
             where m.product_id = p.id and m.reason = 'order placed') as placed
    from products p where p.id in ${app.sql(ids)}`;
  return new Map(rows.map((r) => [r.id, r]));
}

const unexpected = (outcomes: Outcome[]) =>
  outcomes
    .filter((o) => !o.ok && o.code !== Code.FailedPrecondition)
    .map((o) => !o.ok && `${Code[o.code]}: ${o.message}`);

describe("PlaceOrder under concurrency on two instances (PostgreSQL + JetStream)", () => {
  let nats: PrivateNatsServer;
  let first: TestApp;
  let second: TestApp;
  let admin: SignedIn;
  let callers: Caller[];

  beforeAll(async () => {
    nats = await startPrivateNatsServer();
    first = await startTestApp({ kind: "postgres", env: { NATS_URL: nats.url } });
    second = await startTestApp({ database: first.database, env: { NATS_URL: nats.url } });
    admin = await signInAdmin(first);
    const customers = await Promise.all(Array.from({ length: 8 }, () => registerCustomer(first)));
    // Every combination of instance, transport and customer.
    callers = [first, second].flatMap((app) =>
      (["connect", "grpc"] as const).flatMap((surface) =>
        customers.map((customer) => ({ app, surface, customer })),
      ),
    );
  });

  afterAll(async () => {
    closeGrpcClients();
    await second?.stop();
    await first?.stop();
    await first?.database.drop();
    await nats?.dispose();
  });

  it("sells exactly the stock to 400 simultaneous orders: the rest are FAILED_PRECONDITION", async () => {
    const [hot] = await createProducts(first, admin, [{ stock: 37 }]);
    if (!hot) throw new Error("no product");
    const outcomes = await Promise.all(
      Array.from({ length: 400 }, (_, i) => placeAs(callers[i % callers.length] as Caller, [[hot.id, 1]])),
    );
    expect(unexpected(outcomes)).toEqual([]);
    expect(outcomes.filter((o) => o.ok)).toHaveLength(37);
    const accepted = new Set(outcomes.flatMap((o) => (o.ok ? [o.orderId] : [])));
    expect(accepted.size).toBe(37);

    const { product } = await clientFor("grpc", CatalogService, second).getProduct(
      { productId: hot.id },
      admin.call,
    );
    expect(product?.stockQuantity).toBe(0);
    expect((await books(first, [hot])).get(hot.id)).toEqual({
      id: hot.id,
      stock: 0,
      ledger: 0,
      ordered: 37,
      placed: 37,
    });
    const [orders] = await first.sql<{ n: number }[]>`
      select count(*)::int as n from orders o join order_items i on i.order_id = o.id where i.product_id = ${hot.id}`;
    expect(orders?.n).toBe(37);
  });

  it("runs 240 crossed multi-line orders in parallel without a deadlock, and the totals add up", async () => {
    const products = await createProducts(
      first,
      admin,
      Array.from({ length: 6 }, (_, i) => ({ stock: 150, price: 100 * (i + 1) })),
    );
    // Each order takes 2-4 products, listed in a random order so that transactions cross.
    let seed = 42;
    const random = () => {
      seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
      return seed / 2 ** 31;
    };
    const orders = Array.from({ length: 240 }, () => {
      const picked = [...products].sort(() => random() - 0.5).slice(0, 2 + Math.floor(random() * 3));
      return picked.map((p) => [p.id, 1 + Math.floor(random() * 3)] as const);
    });
    const outcomes = await Promise.all(
      orders.map((items, i) => placeAs(callers[i % callers.length] as Caller, items)),
    );
    // A deadlock would surface as INTERNAL (Postgres aborts one of the transactions); there is none.
    expect(unexpected(outcomes)).toEqual([]);
    const served = outcomes.filter((o) => o.ok).length;
    expect(served).toBeGreaterThan(0);

    const ordered = new Map<string, number>();
    orders.forEach((items, i) => {
      if (!outcomes[i]?.ok) return;
      for (const [id, quantity] of items) ordered.set(id, (ordered.get(id) ?? 0) + quantity);
    });
    const after = await books(first, products);
    for (const p of products) {
      const row = after.get(p.id);
      expect(row?.stock).toBe(150 - (ordered.get(p.id) ?? 0));
      expect(row?.ledger).toBe(row?.stock);
      expect(row?.ordered).toBe(ordered.get(p.id) ?? 0);
      expect(row?.placed).toBe(row?.ordered);
    }
    const acceptedIds = outcomes.flatMap((o) => (o.ok ? [o.orderId] : []));
    const [totals] = await first.sql<{ orders: number; mismatched: number }[]>`
      select count(*)::int as orders,
             count(*) filter (where o.total_minor <> (select sum(i.quantity * i.unit_price_minor)
                                                      from order_items i where i.order_id = o.id))::int as mismatched
      from orders o where o.id in ${first.sql(acceptedIds)}`;
    expect(totals).toEqual({ orders: served, mismatched: 0 });
  });

  it("makes one order of 40 simultaneous requests with one idempotency key", async () => {
    const [product] = await createProducts(first, admin, [{ stock: 100 }]);
    if (!product) throw new Error("no product");
    const customer = callers[0]?.customer as SignedIn;
    const key = uniqueName("same-");
    const mine = callers.filter((c) => c.customer === customer);
    const outcomes = await Promise.all(
      Array.from({ length: 40 }, (_, i) => placeAs(mine[i % mine.length] as Caller, [[product.id, 3]], key)),
    );
    expect(outcomes.filter((o) => !o.ok)).toEqual([]);
    const ids = new Set(outcomes.map((o) => (o.ok ? o.orderId : "")));
    expect(ids.size).toBe(1);
    expect(outcomes.filter((o) => o.ok && !o.replayed)).toHaveLength(1);
    expect((await books(first, [product])).get(product.id)).toMatchObject({
      stock: 97,
      ordered: 3,
      ledger: 97,
    });
  });
});

describe("PlaceOrder under concurrency on the embedded default (PGlite, in-process bus)", () => {
  let app: TestApp;

  beforeAll(async () => {
    app = await startTestApp({ kind: "pglite" });
  });

  afterAll(async () => {
    closeGrpcClients();
    await app?.stop();
    await app?.database.drop();
  });

  it("sells exactly the stock to 150 simultaneous orders, and one key makes one order", async () => {
    const admin = await signInAdmin(app);
    const customer = await registerCustomer(app);
    const [hot, other] = await createProducts(app, admin, [{ stock: 23 }, { stock: 50 }]);
    if (!hot || !other) throw new Error("no products");
    const callers: Caller[] = (["connect", "grpc"] as const).map((surface) => ({ app, surface, customer }));
    const outcomes = await Promise.all(
      Array.from({ length: 150 }, (_, i) => placeAs(callers[i % 2] as Caller, [[hot.id, 1]])),
    );
    expect(unexpected(outcomes)).toEqual([]);
    expect(outcomes.filter((o) => o.ok)).toHaveLength(23);
    expect((await books(app, [hot])).get(hot.id)).toEqual({
      id: hot.id,
      stock: 0,
      ledger: 0,
      ordered: 23,
      placed: 23,
    });

    const key = uniqueName("same-");
    const keyed = await Promise.all(
      Array.from({ length: 20 }, (_, i) => placeAs(callers[i % 2] as Caller, [[other.id, 2]], key)),
    );
    expect(new Set(keyed.map((o) => (o.ok ? o.orderId : "failed"))).size).toBe(1);
    expect((await books(app, [other])).get(other.id)).toMatchObject({ stock: 48, ordered: 2 });
  });
});
