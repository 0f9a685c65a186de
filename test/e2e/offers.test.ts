import { Code } from "@connectrpc/connect";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { OffersService, RegistrationState } from "../../gen/shopfloor/offers/v1/offers_pb.js";
import type { DomainEvent } from "../../src/domain/shared/domain-event.js";
import { clientFor, closeGrpcClients, expectCode, SURFACES } from "../support/clients.js";
import { eventually } from "../support/eventually.js";
import { type PrivateNatsServer, startPrivateNatsServer } from "../support/nats-server.js";
import {
  type SimulatorControl,
  type SimulatorProcess,
  simulatorControl,
  startSimulatorProcess,
} from "../support/offers-simulator.js";
import { createProducts, registerCustomer, type SignedIn, signInAdmin } from "../support/shop.js";
import { startTestApp, type TestApp } from "../support/test-app.js";

// The offers context end to end, on both transports: against the simulator as a separate HTTP server with
// two instances on PostgreSQL + JetStream, and on the embedded default (PGlite, in-process bus, in-process
// simulator). Registration retries run on a 100 ms backoff and every call to the service times out after
// 3 s (long enough for a loaded machine, where a token lost to a client-side timeout would meet a 400),
// so faults play out within a test; the periodic refresh runs every second.

const FAST = {
  CONSUMER_RETRY_BASE: "100ms",
  OFFERS_TIMEOUT: "3s",
  OFFERS_REFRESH_INTERVAL: "1s",
};

interface Setup {
  readonly apps: readonly TestApp[];
  readonly simulator: SimulatorControl;
  /** Makes the service unreachable (the last test of a setup uses it). */
  takeDown(): Promise<void>;
  dispose(): Promise<void>;
}

const setups: Record<string, () => Promise<Setup>> = {
  "two instances on PostgreSQL + JetStream, simulator as its own process": async () => {
    const nats: PrivateNatsServer = await startPrivateNatsServer();
    // Tokens live 2 s: every test meets several renewals, shared by the two instances.
    const sim: SimulatorProcess = await startSimulatorProcess({ tokenTtl: "2s" });
    const env = {
      ...FAST,
      NATS_URL: nats.url,
      OFFERS_BASE_URL: sim.url,
      OFFERS_REFRESH_TOKEN: sim.refreshToken,
    };
    const first = await startTestApp({ kind: "postgres", env });
    const second = await startTestApp({ database: first.database, env });
    return {
      apps: [first, second],
      simulator: sim,
      takeDown: () => sim.stop(),
      async dispose() {
        await second.stop();
        await first.stop();
        await first.database.drop();
        await sim.stop();
        await nats.dispose();
      },
    };
  },
  "the embedded default with its in-process simulator": async () => {
    const app = await startTestApp({ kind: "pglite", env: FAST });
    const simulator = app.offersSimulator;
    if (!simulator) throw new Error("the embedded default started no simulator");
    return {
      apps: [app],
      simulator: simulatorControl(simulator.controlUrl),
      takeDown: () => simulator.stop(),
      dispose: () => app.stop(),
    };
  },
};

afterAll(() => closeGrpcClients());

describe.each(Object.keys(setups))("offers: %s", (name) => {
  let setup: Setup;
  let app: TestApp;
  let admin: SignedIn;
  let customer: SignedIn;

  beforeAll(async () => {
    setup = await (setups[name] as () => Promise<Setup>)();
    app = setup.apps[0] as TestApp;
    admin = await signInAdmin(app);
    customer = await registerCustomer(app);
  });

  afterAll(async () => {
    await setup?.dispose();
  });

  const newProduct = async () => {
    const [product] = await createProducts(app, admin, [{ stock: 5 }]);
    if (!product) throw new Error("no product");
    return product.id;
  };

  const registered = (productId: string, surface: (typeof SURFACES)[number] = "connect") =>
    eventually(
      async () => {
        const { registration } = await clientFor(surface, OffersService, app).getOfferRegistration(
          { productId },
          admin.call,
        );
        expect(registration?.state).toBe(RegistrationState.REGISTERED);
        return registration;
      },
      { timeoutMs: 15_000 },
    );

  it.each(SURFACES)("registers a new product with the service (%s)", async (surface) => {
    const before = await setup.simulator.stats();
    const productId = await newProduct();
    const registration = await registered(productId, surface);
    expect(registration?.attempts).toBe(1);
    expect(registration?.lastError).toBe("");
    expect(registration?.registerTime).toBeDefined();
    expect((await setup.simulator.stats()).register.created).toBe(before.register.created + 1);
    const { registrations } = await clientFor(surface, OffersService, app).listOfferRegistrations(
      { state: RegistrationState.REGISTERED, pageSize: 100 },
      admin.call,
    );
    expect(registrations.map((r) => r.productId)).toContain(productId);
  });

  it.each(SURFACES)(
    "ends registered after the first three register calls fail with 500 (%s)",
    async (surface) => {
      await setup.simulator.faults({ failNext: { count: 3, status: 500, path: "register" } });
      const productId = await newProduct();
      const registration = await registered(productId, surface);
      expect(registration?.attempts).toBe(4);
      expect(registration?.lastError).toBe("");
    },
  );

  it.each(SURFACES)(
    "shows offers as they appear, change and vanish, cheapest first (%s)",
    async (surface) => {
      const productId = await newProduct();
      await registered(productId);
      const offers = clientFor(surface, OffersService, app);
      // Public: no token.
      expect((await offers.listProductOffers({ productId })).offers).toBeDefined();

      const a = crypto.randomUUID();
      const b = crypto.randomUUID();
      const c = crypto.randomUUID();
      await setup.simulator.pin(productId, [
        { id: a, price: 300, items_in_stock: 3 },
        { id: b, price: 100, items_in_stock: 1 },
      ]);
      await offers.refreshOffers({ productId }, admin.call);
      const first = await offers.listProductOffers({ productId });
      expect(first.offers.map((o) => [o.id, Number(o.price?.amountMinor), o.itemsInStock])).toEqual([
        [b, 100, 1],
        [a, 300, 3],
      ]);
      expect(first.offers[0]?.price?.currencyCode).toBe("EUR");

      await setup.simulator.pin(productId, [
        { id: b, price: 250, items_in_stock: 7 },
        { id: c, price: 200, items_in_stock: 2 },
      ]);
      const refreshed = await offers.refreshOffers({ productId }, admin.call);
      expect(refreshed.offers.map((o) => o.id)).toEqual([c, b]);
      const paged = await offers.listProductOffers({ productId, pageSize: 1 });
      expect(paged.offers.map((o) => o.id)).toEqual([c]);
      const rest = await offers.listProductOffers({ productId, pageSize: 1, pageToken: paged.nextPageToken });
      expect(rest.offers.map((o) => [o.id, Number(o.price?.amountMinor), o.itemsInStock])).toEqual([
        [b, 250, 7],
      ]);
      expect(rest.nextPageToken).toBe("");

      await setup.simulator.pin(productId, []);
      await offers.refreshOffers({ productId }, admin.call);
      expect((await offers.listProductOffers({ productId })).offers).toEqual([]);

      const { points } = await offers.getOfferPriceHistory({ productId });
      const summary = points.map((p) => [
        Number(p.minPrice?.amountMinor ?? -1),
        Number(p.maxPrice?.amountMinor ?? -1),
        p.offerCount,
      ]);
      // Periodic refreshes add points of their own in between; the three asked for are there in order.
      const asked = [
        [100, 300, 2],
        [200, 250, 2],
        [-1, -1, 0],
      ];
      const positions = asked.map((point) =>
        summary.findIndex((s) => JSON.stringify(s) === JSON.stringify(point)),
      );
      expect(positions.every((p) => p >= 0)).toBe(true);
      expect([...positions].sort((x, y) => x - y)).toEqual(positions);
    },
  );

  it("publishes offers.offers_refreshed with the offer count and prices for outside consumers", async () => {
    const productId = await newProduct();
    await registered(productId);
    const seen: DomainEvent[] = [];
    const subscription = await app.events.subscribe(
      { type: "offers.offers_refreshed", aggregateId: productId },
      (event) => void seen.push(event),
    );
    try {
      await setup.simulator.pin(productId, [
        { id: crypto.randomUUID(), price: 700, items_in_stock: 1 },
        { id: crypto.randomUUID(), price: 400, items_in_stock: 1 },
      ]);
      await clientFor("connect", OffersService, app).refreshOffers({ productId }, admin.call);
      await eventually(() =>
        expect(seen.map((e) => e.payload)).toContainEqual({
          productId,
          currencyCode: "EUR",
          point: { time: expect.any(Date), minPriceMinor: 400, maxPriceMinor: 700, offerCount: 2 },
        }),
      );
    } finally {
      await subscription.stop();
    }
  });

  it.each(SURFACES)(
    "answers NOT_FOUND for an unknown product and an empty list for one without offers (%s)",
    async (surface) => {
      const offers = clientFor(surface, OffersService, app);
      await expectCode(offers.listProductOffers({ productId: crypto.randomUUID() }), Code.NotFound);
      await expectCode(offers.getOfferPriceHistory({ productId: crypto.randomUUID() }), Code.NotFound);
      await expectCode(offers.listProductOffers({ productId: "nope" }), Code.InvalidArgument);
      // Registration is held back, so the product has no offers yet.
      await setup.simulator.faults({ failNext: { count: 1, path: "register" } });
      const productId = await newProduct();
      expect((await offers.listProductOffers({ productId })).offers).toEqual([]);
      await registered(productId);
    },
  );

  it.each(SURFACES)("registers a product the service forgot again (%s)", async (surface) => {
    const productId = await newProduct();
    await registered(productId);
    await setup.simulator.faults({ forget: [productId] });
    const offers = clientFor(surface, OffersService, app);
    const refreshed = await offers.refreshOffers({ productId }, admin.call);
    expect(refreshed.offers.length).toBeGreaterThan(0);
    const { registration } = await offers.getOfferRegistration({ productId }, admin.call);
    expect(registration?.state).toBe(RegistrationState.REGISTERED);
    expect(registration?.attempts).toBe(2);
  });

  it.each(SURFACES)(
    "refuses RefreshOffers and registrations to a customer, and to no one signed in (%s)",
    async (surface) => {
      const offers = clientFor(surface, OffersService, app);
      const productId = await newProduct();
      await expectCode(offers.refreshOffers({ productId }, customer.call), Code.PermissionDenied);
      await expectCode(offers.refreshOffers({}, customer.call), Code.PermissionDenied);
      await expectCode(offers.getOfferRegistration({ productId }, customer.call), Code.PermissionDenied);
      await expectCode(offers.listOfferRegistrations({}, customer.call), Code.PermissionDenied);
      await expectCode(offers.refreshOffers({ productId }), Code.Unauthenticated);
    },
  );

  it("renews the shared token when it expires, and no call ever meets a 400 from /auth", async () => {
    const productId = await newProduct();
    await registered(productId);
    const offers = clientFor("connect", OffersService, app);
    // Twice: the service ends the token early; the next call meets 401, one instance renews, all go on.
    for (let round = 0; round < 2; round++) {
      const before = await setup.simulator.stats();
      await setup.simulator.faults({ expireTokens: true });
      await offers.refreshOffers({ productId }, admin.call);
      const after = await setup.simulator.stats();
      expect(after.auth.issued).toBeGreaterThan(before.auth.issued);
    }
    const stats = await setup.simulator.stats();
    expect(stats.auth.refusedLive).toBe(0);
    expect(stats.auth.refusedUnknown).toBe(0);
    const [token] = await app.sql<{ renewals: number }[]>`select renewals from offers_access_token`;
    // Every token the service issued was stored for all instances: none was asked for twice.
    expect(token?.renewals).toBe(stats.auth.issued);
  });

  it("refreshes each product once per interval, however many instances run", async () => {
    const ids = [await newProduct(), await newProduct(), await newProduct()];
    for (const id of ids) await registered(id);
    const since = new Date();
    // Three whole periodic passes after every product is registered.
    const runs = await eventually(
      async () => {
        const rows = await app.sql<{ refresh_run: Date; n: number }[]>`
          select refresh_run, count(*)::int as n from offer_price_points
          where product_id in ${app.sql(ids)} and refresh_run > ${since}
          group by refresh_run order by refresh_run`;
        expect(rows.filter((r) => r.n === ids.length).length).toBeGreaterThanOrEqual(3);
        return rows;
      },
      { timeoutMs: 20_000, intervalMs: 200 },
    );
    expect(runs.every((r) => r.n <= ids.length)).toBe(true);
    const perProduct = await app.sql<{ product_id: string; points: number; runs: number }[]>`
      select product_id, count(*)::int as points, count(distinct refresh_run)::int as runs
      from offer_price_points where product_id in ${app.sql(ids)} group by product_id`;
    const stats = await setup.simulator.stats();
    for (const row of perProduct) {
      expect(row.points).toBe(row.runs);
      // Every fetch of the product's offers became exactly one point: no instance fetched it twice.
      expect(stats.offersCallsByProduct[row.product_id]).toBeGreaterThanOrEqual(row.points);
      expect(stats.offersCallsByProduct[row.product_id]).toBeLessThanOrEqual(row.points + 1);
    }
  });

  it.each(SURFACES)(
    "keeps ListProductOffers fast and correct while the service answers in 30 s (%s)",
    async (surface) => {
      const productId = await newProduct();
      await registered(productId);
      const offer = { id: crypto.randomUUID(), price: 1234, items_in_stock: 9 };
      await setup.simulator.pin(productId, [offer]);
      const offers = clientFor(surface, OffersService, app);
      await offers.refreshOffers({ productId }, admin.call);
      await setup.simulator.faults({ delayMs: 30_000 });
      try {
        const stalled = offers.refreshOffers({ productId }, admin.call).then(
          () => "answered",
          (error: unknown) => error,
        );
        for (let i = 0; i < 5; i++) {
          const listed = await offers.listProductOffers({ productId }, { timeoutMs: 2000 });
          expect(listed.offers.map((o) => [o.id, Number(o.price?.amountMinor)])).toEqual([[offer.id, 1234]]);
        }
        // The refresh itself gives up at OFFERS_TIMEOUT and says the service is unavailable.
        const outcome = await stalled;
        expect(outcome).toMatchObject({ code: Code.Unavailable });
      } finally {
        await setup.simulator.faults({ delayMs: 0 });
      }
    },
  );

  it.each(SURFACES)("keeps ListProductOffers correct with the service down (%s)", async (surface) => {
    const productId = await newProduct();
    await registered(productId);
    const offers = clientFor(surface, OffersService, app);
    await offers.refreshOffers({ productId }, admin.call);
    const before = (await offers.listProductOffers({ productId })).offers.map((o) => o.id);
    expect(before.length).toBeGreaterThan(0);
    const stats = await setup.simulator.stats();
    expect(stats.auth.refusedLive).toBe(0);
    if (surface === SURFACES[SURFACES.length - 1]) await setup.takeDown();
    else return;
    const after = await offers.listProductOffers({ productId }, { timeoutMs: 2000 });
    expect(after.offers.map((o) => o.id)).toEqual(before);
    await expectCode(offers.refreshOffers({ productId }, admin.call), Code.Unavailable);
    for (const other of setup.apps) {
      const listed = await clientFor(surface, OffersService, other).listProductOffers(
        { productId },
        { timeoutMs: 2000 },
      );
      expect(listed.offers.map((o) => o.id)).toEqual(before);
    }
  });
});
