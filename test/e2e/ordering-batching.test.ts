import { Code, ConnectError } from "@connectrpc/connect";
import { uuidv7 } from "uuidv7";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CatalogService } from "../../gen/shopfloor/catalog/v1/catalog_pb.js";
import { OrderService, RejectionReason } from "../../gen/shopfloor/ordering/v1/ordering_pb.js";
import { connectDatabase, type Sql } from "../../src/adapters/postgres/database.js";
import { clientFor, closeGrpcClients, type Surface } from "../support/clients.js";
import { eventually } from "../support/eventually.js";
import { createProducts, registerCustomer, type SignedIn, signInAdmin } from "../support/shop.js";
import { startTestApp, type TestApp, uniqueName } from "../support/test-app.js";

// Group commit seen from outside, over both transports: with one batch slot held by an order stuck on a row
// lock, a dozen orders queue (the app's own gauge says so), then go into one transaction together when the
// lock is released. Each caller gets its own answer; failing orders leave nothing; the key repeat replays.

type Outcome =
  | { ok: true; orderId: string; replayed: boolean; rejected: Array<[string, RejectionReason]> }
  | { ok: false; code: Code; message: string };

describe("PlaceOrders placed together (PostgreSQL)", () => {
  let app: TestApp;
  let admin: SignedIn;
  let customers: SignedIn[];
  let locker: Sql;

  beforeAll(async () => {
    app = await startTestApp({ kind: "postgres", env: { PLACE_ORDER_BATCHES_IN_FLIGHT: "1" } });
    admin = await signInAdmin(app);
    customers = await Promise.all([registerCustomer(app), registerCustomer(app)]);
    locker = connectDatabase(app.database.url, { max: 1 });
  });
  afterAll(async () => {
    closeGrpcClients();
    await locker?.end();
    await app?.stop();
    await app?.database.drop();
  });

  const place = async (
    surface: Surface,
    customer: SignedIn,
    items: ReadonlyArray<readonly [string, number]>,
    options: { idempotencyKey?: string; allowPartial?: boolean } = {},
  ): Promise<Outcome> => {
    try {
      const r = await clientFor(surface, OrderService, app).placeOrder(
        {
          items: items.map(([productId, quantity]) => ({ productId, quantity })),
          idempotencyKey: options.idempotencyKey ?? "",
          allowPartial: options.allowPartial ?? false,
        },
        customer.call,
      );
      return {
        ok: true,
        orderId: r.order?.id ?? "",
        replayed: r.idempotentReplay,
        rejected: r.rejectedItems.map((i) => [i.productId, i.reason]),
      };
    } catch (error) {
      const e = ConnectError.from(error);
      return { ok: false, code: e.code, message: e.rawMessage };
    }
  };

  const waiting = async () => {
    const text = await (await fetch(`${app.httpUrl}/metrics`)).text();
    return Number(/^shopfloor_place_order_waiting (\d+)/m.exec(text)?.[1] ?? "-1");
  };

  it("answers each of a batch mixing failing and succeeding orders with its own result, in one transaction", async () => {
    const [blocked, a, b, archived] = await createProducts(app, admin, [
      { stock: 10 },
      { stock: 4 },
      { stock: 10 },
      { stock: 10 },
    ]);
    if (!blocked || !a || !b || !archived) throw new Error("no products");
    await clientFor("connect", CatalogService, app).archiveProduct({ productId: archived.id }, admin.call);
    const [first, second] = customers as [SignedIn, SignedIn];
    const key = uniqueName("key-");

    // Hold the row of `blocked` so the one batch slot stays busy with an order waiting on it.
    let release = () => {};
    const held = new Promise<void>((resolve) => (release = resolve));
    let locked = () => {};
    const isLocked = new Promise<void>((resolve) => (locked = resolve));
    const lock = locker.begin(async (tx) => {
      await tx`select 1 from products where id = ${blocked.id} for update`;
      locked();
      await held;
    });
    await isLocked;
    const blocker = place("connect", first, [[blocked.id, 1]]);
    await eventually(async () => {
      const [row] = await app.sql<{ n: number }[]>`
        select count(*)::int as n from pg_stat_activity
        where datname = current_database() and wait_event_type = 'Lock'`;
      expect(row?.n).toBeGreaterThan(0);
    });

    const surfaces: Surface[] = ["connect", "grpc"];
    const on = (i: number) => surfaces[i % 2] as Surface;
    const takeA = Array.from({ length: 6 }, (_, i) => place(on(i), i % 3 ? first : second, [[a.id, 1]]));
    const partial = Array.from({ length: 2 }, (_, i) =>
      place(
        on(i),
        second,
        [
          [b.id, 1],
          [archived.id, 1],
        ],
        { allowPartial: true },
      ),
    );
    const unknown = place("grpc", first, [[uuidv7(), 1]]);
    const tooMany = place("connect", second, [[b.id, 100]]);
    const keyed = [
      place("connect", first, [[b.id, 1]], { idempotencyKey: key }),
      place("grpc", first, [[b.id, 1]], { idempotencyKey: key }),
    ];
    await eventually(async () => expect(await waiting()).toBe(12));
    release();
    await lock;

    expect((await blocker).ok).toBe(true);
    const fromA = await Promise.all(takeA);
    expect(fromA.filter((o) => o.ok)).toHaveLength(4);
    for (const o of fromA.filter((o) => !o.ok)) {
      expect(o).toMatchObject({ code: Code.FailedPrecondition });
      if (!o.ok) expect(o.message).toContain("0 available, 1 requested");
    }
    for (const o of await Promise.all(partial)) {
      expect(o).toMatchObject({ ok: true, rejected: [[archived.id, RejectionReason.ARCHIVED]] });
    }
    expect(await unknown).toMatchObject({ ok: false, code: Code.FailedPrecondition });
    expect(await tooMany).toMatchObject({ ok: false, code: Code.FailedPrecondition });
    const [k1, k2] = await Promise.all(keyed);
    if (!k1?.ok || !k2?.ok) throw new Error(`keyed orders failed: ${JSON.stringify([k1, k2])}`);
    expect(k1.orderId).toBe(k2.orderId);
    expect([k1.replayed, k2.replayed].sort()).toEqual([false, true]);

    const [stock] = await app.sql<{ a: number; b: number }[]>`
      select (select stock_quantity from products where id = ${a.id}) as a,
             (select stock_quantity from products where id = ${b.id}) as b`;
    expect(stock).toEqual({ a: 0, b: 7 });
    // The 7 new orders (4 of A, 2 partial, the keyed one) were written by one transaction.
    const placed = [
      ...fromA.flatMap((o) => (o.ok ? [o.orderId] : [])),
      ...(await Promise.all(partial)).flatMap((o) => (o.ok ? [o.orderId] : [])),
      k1.orderId,
    ];
    const rows = await app.sql<
      { xmin: string }[]
    >`select xmin::text from orders where id in ${app.sql(placed)}`;
    expect(rows).toHaveLength(7);
    expect(new Set(rows.map((r) => r.xmin)).size).toBe(1);
    const [ledger] = await app.sql<{ n: number }[]>`
      select count(*)::int as n from stock_movements where product_id in ${app.sql([a.id, b.id, archived.id])}
        and reason = 'order placed'`;
    expect(ledger?.n).toBe(7);
    expect(await waiting()).toBe(0);
  });
});
