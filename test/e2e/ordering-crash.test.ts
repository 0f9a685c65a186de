import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { OrderService } from "../../gen/shopfloor/ordering/v1/ordering_pb.js";
import { clientFor, closeGrpcClients, type Surface } from "../support/clients.js";
import { createTestDatabase, type TestDatabase } from "../support/databases.js";
import { eventually } from "../support/eventually.js";
import { type PrivateNatsServer, startPrivateNatsServer } from "../support/nats-server.js";
import { createProducts, registerCustomer, type SignedIn, signInAdmin } from "../support/shop.js";
import { type SpawnedApp, spawnApp } from "../support/spawned-app.js";
import { startTestApp, TEST_ADMIN, type TestApp } from "../support/test-app.js";

// An instance killed with SIGKILL in the middle of a PlaceOrder load, next to a survivor on the same
// PostgreSQL and NATS: every order a client was told was placed is there, every order that is there is
// whole, and stock, ledger and orders agree to the unit. Requests cut off by the kill may or may not have
// committed; either way they committed all or nothing.

describe("an instance killed with SIGKILL mid-load", () => {
  let nats: PrivateNatsServer;
  let database: TestDatabase;
  let survivor: TestApp;
  let victim: SpawnedApp;

  beforeAll(async () => {
    nats = await startPrivateNatsServer();
    database = await createTestDatabase("postgres");
    survivor = await startTestApp({ database, env: { NATS_URL: nats.url } });
    victim = await spawnApp({
      HOST: "127.0.0.1",
      HTTP_PORT: "0",
      GRPC_PORT: "0",
      DATABASE_URL: database.url,
      NATS_URL: nats.url,
      ADMIN_EMAIL: TEST_ADMIN.email,
      ADMIN_PASSWORD: TEST_ADMIN.password,
      LOG_LEVEL: "info",
    });
  });

  afterAll(async () => {
    closeGrpcClients();
    if (victim?.child.exitCode === null) victim.child.kill("SIGKILL");
    await survivor?.stop();
    await database?.drop();
    await nats?.dispose();
  });

  it("loses no accepted order and leaves stock, ledger and orders consistent", async () => {
    const admin = await signInAdmin(survivor);
    const customers = await Promise.all(Array.from({ length: 4 }, () => registerCustomer(survivor)));
    const initial = 100_000;
    const products = await createProducts(survivor, admin, [
      { stock: initial },
      { stock: initial },
      { stock: initial },
    ]);
    const ids = products.map((p) => p.id);

    const accepted = new Map<string, { app: "victim" | "survivor"; quantities: Map<string, number> }>();
    let acceptedByVictim = 0;
    let acceptedAfterKill = 0;
    let failedOnVictim = 0;
    let killed = false;
    let stop = false;
    const loop = async (n: number) => {
      const customer = customers[n % customers.length] as SignedIn;
      const surface: Surface = n % 2 === 0 ? "connect" : "grpc";
      for (let i = 0; !stop; i++) {
        const toVictim = (n + i) % 2 === 0;
        const target = toVictim ? victim : survivor;
        const items = ids
          .filter((_, k) => (n + i + k) % 3 !== 0)
          .map((productId, k) => ({ productId, quantity: 1 + ((n + i + k) % 3) }));
        try {
          const { order } = await clientFor(surface, OrderService, target).placeOrder(
            { items },
            customer.call,
          );
          accepted.set(order?.id ?? "", {
            app: toVictim ? "victim" : "survivor",
            quantities: new Map(items.map((item) => [item.productId, item.quantity])),
          });
          if (toVictim) acceptedByVictim++;
          if (killed) acceptedAfterKill++;
        } catch {
          // Cut off by the kill (or refused by a dead instance): not accepted, so nothing to check for it.
          if (toVictim) failedOnVictim++;
          if (toVictim && killed) await new Promise((r) => setTimeout(r, 5));
        }
      }
    };
    const loops = Array.from({ length: 16 }, (_, n) => loop(n));

    await eventually(() => expect(acceptedByVictim).toBeGreaterThanOrEqual(60), { timeoutMs: 30_000 });
    const exited = new Promise((resolve) => victim.child.once("exit", resolve));
    victim.child.kill("SIGKILL");
    killed = true;
    await exited;
    await eventually(() => expect(acceptedAfterKill).toBeGreaterThanOrEqual(60), { timeoutMs: 30_000 });
    stop = true;
    await Promise.all(loops);
    expect(failedOnVictim).toBeGreaterThan(0);

    // Every accepted order is stored whole.
    const orderIds = [...accepted.keys()];
    const stored = await database.sql<{ id: string; product_id: string; quantity: number }[]>`
      select o.id, i.product_id, i.quantity from orders o join order_items i on i.order_id = o.id
      where o.id in ${database.sql(orderIds)}`;
    const found = new Map<string, Map<string, number>>();
    for (const row of stored) {
      const lines = found.get(row.id) ?? new Map<string, number>();
      lines.set(row.product_id, row.quantity);
      found.set(row.id, lines);
    }
    expect(found.size).toBe(accepted.size);
    for (const [id, { quantities }] of accepted) expect(found.get(id)).toEqual(quantities);

    // Stock, ledger and every stored order (accepted or cut off after its commit) agree.
    const books = await database.sql<{ stock: number; ledger: number; ordered: number; placed: number }[]>`
      select p.stock_quantity as stock,
             (select sum(delta)::int from stock_movements m where m.product_id = p.id) as ledger,
             (select coalesce(sum(quantity), 0)::int from order_items i where i.product_id = p.id) as ordered,
             (select coalesce(-sum(delta), 0)::int from stock_movements m
               where m.product_id = p.id and m.reason = 'order placed') as placed
      from products p where p.id in ${database.sql(ids)}`;
    for (const row of books) {
      expect(row.ledger).toBe(row.stock);
      expect(row.stock).toBe(initial - row.ordered);
      expect(row.placed).toBe(row.ordered);
    }
    const [orphans] = await database.sql<{ n: number }[]>`
      select count(*)::int as n from orders o
      where not exists (select 1 from order_items i where i.order_id = o.id)
         or not exists (select 1 from outbox e where e.aggregate_id = o.id::text and e.type = 'ordering.order_placed')`;
    expect(orphans?.n).toBe(0);

    // The survivor's relay publishes what the victim committed but never relayed.
    await eventually(
      async () => {
        const [pending] = await database.sql<{ n: number }[]>`
          select count(*)::int as n from outbox where published_at is null`;
        expect(pending?.n).toBe(0);
      },
      { timeoutMs: 15_000, intervalMs: 200 },
    );
  }, 90_000);
});
