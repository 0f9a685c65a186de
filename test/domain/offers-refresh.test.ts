import { describe, expect, it } from "vitest";
import type { FetchedOffers } from "../../src/domain/offers/ports.js";
import { OffersProviderFailure } from "../../src/domain/offers/ports.js";
import { refreshAllOffers } from "../../src/domain/offers/refresh-offers.js";
import { registrationConsumer } from "../../src/domain/offers/register-product.js";
import { offersFixture, ScriptedProvider } from "../support/fakes/offers-fakes.js";

const someOffers = async (): Promise<FetchedOffers> => ({
  kind: "offers",
  offers: [
    { id: "a", priceMinor: 300, itemsInStock: 1 },
    { id: "b", priceMinor: 100, itemsInStock: 2 },
  ],
});

describe("the refresh pass", () => {
  it("keeps at most refreshConcurrency products in flight and holds at most a page and a batch", async () => {
    let maxAhead = 0;
    const provider = new ScriptedProvider(async () => {
      await new Promise((r) => setImmediate(r));
      return someOffers();
    });
    const f = offersFixture(provider, { refreshConcurrency: 4, refreshPageSize: 100 });
    const ids = f.addRegistered(2000);
    const tx = f.deps.uow;
    // Products read from the store but not yet stored: what the pass holds in memory at once.
    const watched = {
      run: async <R>(work: Parameters<typeof tx.run>[0]) => {
        maxAhead = Math.max(maxAhead, f.registrations.handedOut - f.offers.points.size);
        return (await tx.run(work)) as R;
      },
    };
    const result = await refreshAllOffers({ ...f.deps, uow: watched as typeof tx }, new Date());
    expect(result).toEqual({ refreshed: 2000, failed: 0 });
    expect(provider.maxInFlight).toBeLessThanOrEqual(4);
    // A page read ahead, the products in flight, and a batch waiting to be stored (50).
    expect(maxAhead).toBeLessThanOrEqual(100 + 4 + 50);
    expect(f.offers.points.size).toBe(ids.length);
    expect(f.events).toHaveLength(2000);
  });

  it("goes on with every other product while one hangs", async () => {
    let release: () => void = () => {};
    const hanging = new Promise<void>((r) => {
      release = r;
    });
    const f = offersFixture(
      new ScriptedProvider(async (id) => {
        if (id === slow) await hanging;
        return someOffers();
      }),
    );
    const ids = f.addRegistered(300);
    const slow = ids[0] as string;
    const pass = refreshAllOffers(f.deps, new Date());
    for (let i = 0; i < 1000 && f.offers.points.size < ids.length - 1; i++)
      await new Promise((r) => setImmediate(r));
    expect(f.offers.points.size).toBe(ids.length - 1);
    expect(f.offers.points.has(slow)).toBe(false);
    release();
    expect(await pass).toEqual({ refreshed: 300, failed: 0 });
  });

  it("counts a failing product, records its error and goes on", async () => {
    const f = offersFixture(
      new ScriptedProvider(async (id) => {
        if (id === bad) throw new OffersProviderFailure("offers: HTTP 503", true);
        return someOffers();
      }),
    );
    const ids = f.addRegistered(10);
    const bad = ids[3] as string;
    expect(await refreshAllOffers(f.deps, new Date())).toEqual({ refreshed: 9, failed: 1 });
    expect(f.registrations.rows.get(bad)?.lastRefreshError).toBe("offers: HTTP 503");
  });

  it("registers a product the service forgot again, then stores its offers", async () => {
    let forgotten = true;
    const provider = new ScriptedProvider(async () => {
      if (forgotten) {
        forgotten = false;
        return { kind: "unknown_product" };
      }
      return someOffers();
    });
    const f = offersFixture(provider);
    const [id] = f.addRegistered(1);
    await refreshAllOffers(f.deps, new Date());
    expect(provider.registered).toEqual([id]);
    expect(f.registrations.rows.get(id as string)?.attempts).toBe(2);
    expect(f.offers.current.get(id as string)?.map((o) => o.id)).toEqual(["a", "b"]);
  });
});

describe("the registration consumer", () => {
  const event = (id: string) => ({
    id: crypto.randomUUID(),
    type: "catalog.product_created",
    aggregateId: id,
    occurredAt: new Date(),
    payload: { product: { id, name: "n", description: "d" } },
  });

  it("asks for a redelivery on a retryable failure, and gives up as FAILED on the last attempt", async () => {
    const provider = new ScriptedProvider(someOffers, async () => {
      throw new OffersProviderFailure("register: HTTP 500", true);
    });
    const f = offersFixture(provider, { maxRegisterAttempts: 3 });
    const consumer = registrationConsumer(f.deps);
    const id = crypto.randomUUID();
    await expect(consumer.handle(event(id), { attempt: 1 })).rejects.toThrow(/HTTP 500/);
    expect(f.registrations.rows.get(id)?.state).toBe("PENDING");
    await expect(consumer.handle(event(id), { attempt: 2 })).rejects.toThrow();
    await consumer.handle(event(id), { attempt: 3 });
    expect(f.registrations.rows.get(id)).toMatchObject({
      state: "FAILED",
      attempts: 3,
      lastError: "register: HTTP 500",
    });
  });

  it("does not retry what will fail again (422), and does nothing for a product already registered", async () => {
    let calls = 0;
    const provider = new ScriptedProvider(someOffers, async () => {
      calls++;
      if (calls === 1) throw new OffersProviderFailure("register: HTTP 422", false);
    });
    const f = offersFixture(provider);
    const consumer = registrationConsumer(f.deps);
    const id = crypto.randomUUID();
    await consumer.handle(event(id), { attempt: 1 });
    expect(f.registrations.rows.get(id)?.state).toBe("FAILED");
    await consumer.handle(event(id), { attempt: 1 });
    expect(f.registrations.rows.get(id)?.state).toBe("REGISTERED");
    await consumer.handle(event(id), { attempt: 2 });
    expect(calls).toBe(2);
  });
});
