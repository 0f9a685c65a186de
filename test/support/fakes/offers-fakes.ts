import type { ListedOffer, Offer, PricePoint } from "../../../src/domain/offers/offer.js";
import type {
  FetchedOffers,
  OfferRepository,
  OffersDeps,
  OffersProvider,
  OffersTx,
  RefreshCandidate,
  RegistrationRepository,
} from "../../../src/domain/offers/ports.js";
import type { ProductToRegister, Registration } from "../../../src/domain/offers/registration.js";
import type { DomainEvent } from "../../../src/domain/shared/domain-event.js";

// In-memory twins of the offers ports for domain tests without I/O.

export class FakeRegistrations implements RegistrationRepository {
  rows = new Map<string, Registration>();
  names = new Map<string, ProductToRegister>();
  /** Candidates handed out by listRefreshCandidates so far. */
  handedOut = 0;

  async find(productId: string) {
    return this.rows.get(productId);
  }
  async recordAttempt(
    productId: string,
    outcome: { state: "REGISTERED"; time: Date } | { state: "PENDING" | "FAILED"; error: string; time: Date },
  ) {
    const current = this.rows.get(productId);
    const row: Registration = {
      productId,
      state: outcome.state,
      attempts: (current?.attempts ?? 0) + 1,
      lastError: outcome.state === "REGISTERED" ? undefined : outcome.error,
      registerTime: current?.registerTime ?? (outcome.state === "REGISTERED" ? outcome.time : undefined),
      lastRefreshTime: current?.lastRefreshTime,
      lastRefreshError: current?.lastRefreshError,
      updateTime: outcome.time,
    };
    this.rows.set(productId, row);
    return row;
  }
  async listRefreshCandidates(query: { afterId?: string | undefined; limit: number }) {
    const page: RefreshCandidate[] = [...this.rows.values()]
      .filter((r) => r.state !== "PENDING" && (query.afterId === undefined || r.productId > query.afterId))
      .sort((a, b) => (a.productId < b.productId ? -1 : 1))
      .slice(0, query.limit)
      .map((r) => ({
        ...(this.names.get(r.productId) ?? { id: r.productId, name: "n", description: "" }),
        state: r.state,
      }));
    this.handedOut += page.length;
    return page;
  }
  async list() {
    return [...this.rows.values()];
  }
  async recordRefresh(productId: string, outcome: { time: Date; error?: string }) {
    const current = this.rows.get(productId);
    if (!current) return;
    this.rows.set(productId, {
      ...current,
      lastRefreshTime: outcome.error === undefined ? outcome.time : current.lastRefreshTime,
      lastRefreshError: outcome.error,
    });
  }
}

export class FakeOffers implements OfferRepository {
  current = new Map<string, Offer[]>();
  points = new Map<string, PricePoint[]>();
  async replaceCurrent(productId: string, offers: readonly ListedOffer[], time: Date) {
    this.current.set(
      productId,
      offers.map((o) => ({ ...o, productId, firstSeenTime: time, updateTime: time })),
    );
  }
  async listCurrent(query: { productId: string; limit: number }) {
    return [...(this.current.get(query.productId) ?? [])]
      .sort((a, b) => a.priceMinor - b.priceMinor || (a.id < b.id ? -1 : 1))
      .slice(0, query.limit);
  }
  async appendPricePoint(productId: string, point: PricePoint) {
    this.points.set(productId, [...(this.points.get(productId) ?? []), point]);
  }
  async listPricePoints(query: { productId: string }) {
    return this.points.get(query.productId) ?? [];
  }
}

/** A provider answering from a function, counting calls in flight. */
export class ScriptedProvider implements OffersProvider {
  inFlight = 0;
  maxInFlight = 0;
  registered: string[] = [];
  constructor(
    readonly answer: (productId: string) => Promise<FetchedOffers>,
    readonly onRegister: (product: ProductToRegister) => Promise<void> = async () => {},
  ) {}
  async register(product: ProductToRegister) {
    await this.onRegister(product);
    this.registered.push(product.id);
  }
  async fetchOffers(productId: string) {
    this.inFlight++;
    this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
    try {
      return await this.answer(productId);
    } finally {
      this.inFlight--;
    }
  }
}

export function offersFixture(provider: OffersProvider, options: Partial<OffersDeps> = {}) {
  const registrations = new FakeRegistrations();
  const offers = new FakeOffers();
  const events: DomainEvent[] = [];
  const tx: OffersTx = { offers, registrations, outbox: { append: async (e) => void events.push(e) } };
  let n = 0;
  const deps: OffersDeps = {
    uow: { run: (work) => work(tx) },
    offers,
    registrations,
    products: {
      find: async (id) =>
        registrations.names.get(id) && {
          ...(registrations.names.get(id) as ProductToRegister),
          archived: false,
        },
    },
    provider,
    serviceConfigured: true,
    jobs: { schedule: async () => true, cancel: async () => true },
    pageTokens: { seal: () => "t", open: () => [] },
    clock: { now: () => new Date() },
    ids: { newId: () => `00000000-0000-7000-8000-${String(++n).padStart(12, "0")}` },
    telemetry: { registration() {}, refreshPass() {}, refreshFailed() {} },
    shopCurrency: "EUR",
    maxRegisterAttempts: 5,
    refreshConcurrency: 4,
    refreshPageSize: 100,
    ...options,
  };
  /** Products already registered, ids in order. */
  const addRegistered = (count: number) => {
    const ids: string[] = [];
    for (let i = 0; i < count; i++) {
      const id = `00000000-0000-4000-8000-${String(i).padStart(12, "0")}`;
      registrations.names.set(id, { id, name: `p${i}`, description: "" });
      registrations.rows.set(id, {
        productId: id,
        state: "REGISTERED",
        attempts: 1,
        lastError: undefined,
        registerTime: new Date(),
        lastRefreshTime: undefined,
        lastRefreshError: undefined,
        updateTime: new Date(),
      });
      ids.push(id);
    }
    return ids;
  };
  return { deps, registrations, offers, events, addRegistered };
}
