import type { Clock } from "../shared/clock.js";
import type { EventOutbox } from "../shared/domain-event.js";
import type { IdGenerator } from "../shared/id-generator.js";
import type { ScheduledJobs } from "../shared/job-scheduler.js";
import type { PageTokens } from "../shared/page-tokens.js";
import type { UnitOfWork } from "../shared/unit-of-work.js";
import type { ListedOffer, Offer, PricePoint } from "./offer.js";
import type { ProductToRegister, Registration, RegistrationState } from "./registration.js";

/**
 * A call to the Offers service that did not succeed. `retryable` is true for what may pass on its own
 * (network errors, timeouts, 5xx, an access token that could not be had); false for a refusal that will be
 * the same next time (422, an unknown refresh token).
 */
export class OffersProviderFailure extends Error {
  constructor(
    message: string,
    readonly retryable: boolean,
  ) {
    super(message);
    this.name = "OffersProviderFailure";
  }
}

/** What a fetch of a product's offers found. */
export type FetchedOffers =
  | { readonly kind: "offers"; readonly offers: readonly ListedOffer[] }
  /** The service does not know the product (never registered, or it forgot it): register it again. */
  | { readonly kind: "unknown_product" };

/** The external Offers service. Every call is bounded in time; failures throw OffersProviderFailure. */
export interface OffersProvider {
  /** Registers a product; resolves also when the service already had it. */
  register(product: ProductToRegister): Promise<void>;
  fetchOffers(productId: string): Promise<FetchedOffers>;
}

/** A product due for refresh, with what registering it again needs. */
export interface RefreshCandidate extends ProductToRegister {
  readonly state: RegistrationState;
}

export interface RegistrationRepository {
  find(productId: string): Promise<Registration | undefined>;
  /** Records one register attempt's outcome (creating the row on the first), adding 1 to attempts. */
  recordAttempt(
    productId: string,
    outcome:
      | { readonly state: "REGISTERED"; readonly time: Date }
      | { readonly state: "PENDING" | "FAILED"; readonly error: string; readonly time: Date },
  ): Promise<Registration>;
  /** Registered and failed products that are not archived, by id, after `afterId`. */
  listRefreshCandidates(query: {
    readonly afterId?: string | undefined;
    readonly limit: number;
  }): Promise<RefreshCandidate[]>;
  /** By product id after `afterId`, optionally in one state. */
  list(query: {
    readonly state?: RegistrationState | undefined;
    readonly afterId?: string | undefined;
    readonly limit: number;
  }): Promise<Registration[]>;
  /** Notes a refresh's outcome: its time on success, its error on failure. */
  recordRefresh(productId: string, outcome: { readonly time: Date; readonly error?: string }): Promise<void>;
}

export interface OfferRepository {
  /**
   * Makes `offers` the product's current offers: new ones are added, listed ones updated (keeping when they
   * were first seen), and the rest, which vanished, deleted.
   */
  replaceCurrent(productId: string, offers: readonly ListedOffer[], time: Date): Promise<void>;
  /** Cheapest first, then by offer id; keyset after (price, offer id). */
  listCurrent(query: {
    readonly productId: string;
    readonly after?: { readonly priceMinor: number; readonly offerId: string } | undefined;
    readonly limit: number;
  }): Promise<Offer[]>;
  appendPricePoint(productId: string, point: PricePoint, refreshRun: Date | undefined): Promise<void>;
  /** Points in [from, to), oldest first, merged into at most `maxPoints` equal spans of the range. */
  listPricePoints(query: {
    readonly productId: string;
    readonly from: Date | undefined;
    readonly to: Date;
    readonly maxPoints: number;
  }): Promise<PricePoint[]>;
}

/** Whether the catalog has a product (archived or not): offers of an unknown product are NOT_FOUND. */
export interface ProductDirectory {
  /** The product's registration details, or undefined when the catalog has no such product. */
  find(productId: string): Promise<(ProductToRegister & { readonly archived: boolean }) | undefined>;
}

/** What the offers context reports for operators (Prometheus in production). */
export interface OffersTelemetry {
  /** outcome: registered, retried, failed. */
  registration(outcome: "registered" | "retried" | "failed"): void;
  /** One refresh pass over every product: its duration and how many products failed in it. */
  refreshPass(seconds: number, failedProducts: number): void;
  /** One product's refresh failed. */
  refreshFailed(): void;
}

export interface OffersTx {
  readonly offers: OfferRepository;
  readonly registrations: RegistrationRepository;
  readonly outbox: EventOutbox;
}

export interface OffersDeps {
  readonly uow: UnitOfWork<OffersTx>;
  /** For reads and single writes outside a transaction. */
  readonly offers: OfferRepository;
  readonly registrations: RegistrationRepository;
  readonly products: ProductDirectory;
  readonly provider: OffersProvider;
  /** False when no Offers service is configured (reads only): RefreshOffers is then refused. */
  readonly serviceConfigured: boolean;
  /** Schedules the background refresh RefreshOffers asks for. */
  readonly jobs: ScheduledJobs;
  readonly pageTokens: PageTokens;
  readonly clock: Clock;
  readonly ids: IdGenerator;
  readonly telemetry: OffersTelemetry;
  /** ISO 4217 code every price is in (SHOP_CURRENCY); the service's prices are taken to be in it. */
  readonly shopCurrency: string;
  /** Deliveries of a product_created event before its registration is given up as FAILED. */
  readonly maxRegisterAttempts: number;
  /** Products refreshed at once (one slow product holds one slot, never the pass). */
  readonly refreshConcurrency: number;
  /** Products read from the database per page of a refresh pass. */
  readonly refreshPageSize: number;
}
