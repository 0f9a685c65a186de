import { afterAll, beforeAll, expect, it } from "vitest";
import { OffersService } from "../../gen/shopfloor/offers/v1/offers_pb.js";
import { clientFor, closeGrpcClients } from "../support/clients.js";
import { eventually } from "../support/eventually.js";
import { type SimulatorProcess, startSimulatorProcess } from "../support/offers-simulator.js";
import { createProducts, type SignedIn, signInAdmin } from "../support/shop.js";
import { startTestApp, type TestApp } from "../support/test-app.js";

// One refresh pass over 5,000 registered products against the simulator as its own process, on PostgreSQL:
// it finishes, every product gets exactly one price point, and the app's heap stays bounded (the pass holds a
// page of 500 products and 8 in flight, never the whole list; test/domain/offers-refresh.test.ts checks
// that bound exactly). The pass's duration is read from the app's own histogram and printed: it is a figure
// for docs/offers.md, not an assertion.

const PRODUCTS = 5000;
let sim: SimulatorProcess;
let app: TestApp;
let admin: SignedIn;

beforeAll(async () => {
  sim = await startSimulatorProcess();
  app = await startTestApp({
    kind: "postgres",
    env: {
      OFFERS_BASE_URL: sim.url,
      OFFERS_REFRESH_TOKEN: sim.refreshToken,
      // Only the pass this test asks for runs while it watches.
      OFFERS_REFRESH_INTERVAL: "1h",
    },
  });
  admin = await signInAdmin(app);
});

afterAll(async () => {
  closeGrpcClients();
  await app?.stop();
  await app?.database.drop();
  await sim?.stop();
});

async function passSeconds(): Promise<{ sum: number; count: number }> {
  const text = await (await fetch(`${app.httpUrl}/metrics`)).text();
  const value = (name: string) => Number(new RegExp(`^${name} (\\S+)$`, "m").exec(text)?.[1] ?? "0");
  return {
    sum: value("shopfloor_offers_refresh_duration_seconds_sum"),
    count: value("shopfloor_offers_refresh_duration_seconds_count"),
  };
}

it(`refreshes ${PRODUCTS} products in one pass within a bounded heap`, { timeout: 240_000 }, async () => {
  const [seed] = await createProducts(app, admin, [{ stock: 1 }]);
  const categoryId = seed?.categoryId ?? "";
  // The products and their registrations are written directly: the pass is under test, not 5,000 creations.
  const ids = await app.sql<{ id: string }[]>`
    insert into products (id, category_id, name, description, price_minor, currency_code, stock_quantity,
                          create_time, update_time)
    select gen_random_uuid(), ${categoryId}, 'Scale ' || i, '', 1000, 'EUR', 1, now(), now()
    from generate_series(1, ${PRODUCTS}) as i
    returning id`;
  await app.sql`
    insert into offer_registrations (product_id, state, attempts, register_time, update_time)
    select id, 'registered', 1, now(), now() from products where name like 'Scale %'`;
  for (let i = 0; i < ids.length; i += 1000) await sim.addProducts(ids.slice(i, i + 1000).map((r) => r.id));
  // The pass that ran at start found nothing to do; wait until it is recorded.
  await eventually(async () => expect((await passSeconds()).count).toBeGreaterThanOrEqual(1), {
    timeoutMs: 30_000,
  });
  const before = await passSeconds();

  global.gc?.();
  const baseline = process.memoryUsage().heapUsed;
  let peak = baseline;
  const sampler = setInterval(() => {
    peak = Math.max(peak, process.memoryUsage().heapUsed);
  }, 20);
  try {
    const started = performance.now();
    const { scheduled } = await clientFor("connect", OffersService, app).refreshOffers({}, admin.call);
    expect(scheduled).toBe(true);
    await eventually(async () => expect((await passSeconds()).count).toBe(before.count + 1), {
      timeoutMs: 200_000,
      intervalMs: 200,
    });
    const wallMs = performance.now() - started;
    const after = await passSeconds();
    const [points] = await app.sql<{ products: number; points: number }[]>`
      select count(distinct product_id)::int as products, count(*)::int as points
      from offer_price_points pp join products p on p.id = pp.product_id where p.name like 'Scale %'`;
    expect(points).toEqual({ products: PRODUCTS, points: PRODUCTS });
    const growthMb = (peak - baseline) / 1024 / 1024;
    process.stdout.write(
      `offers refresh of ${PRODUCTS} products: pass ${(after.sum - before.sum).toFixed(2)} s ` +
        `(request to last point ${(wallMs / 1000).toFixed(2)} s), heap growth at peak ${growthMb.toFixed(1)} MB\n`,
    );
    // A sanity bound far above what a page-at-a-time pass needs.
    expect(growthMb).toBeLessThan(256);
  } finally {
    clearInterval(sampler);
  }
});
