import { FailedPrecondition, NotFound, Unavailable } from "../shared/errors.js";
import { checkOptionalId } from "../shared/id-format.js";
import type { JobScheduler } from "../shared/job-scheduler.js";
import type { StopHandle } from "../shared/stop-handle.js";
import { Violations } from "../shared/violations.js";
import type { OffersRefreshed } from "./events.js";
import { type ListedOffer, type Offer, pricePointOf } from "./offer.js";
import { type OffersDeps, OffersProviderFailure, type RefreshCandidate } from "./ports.js";
import { errorText, registerProduct } from "./register-product.js";

// Refreshing offers: one product (fetch, store the current offers, append a price point, emit
// offers.offers_refreshed, all in one transaction), and the pass over every product that the scheduler runs
// once per OFFERS_REFRESH_INTERVAL across all instances. The pass reads products a page at a time and keeps
// `refreshConcurrency` products in flight, each bounded by the provider's timeout, so neither the product
// count nor one slow product decides how much memory or time it takes.

/** The periodic pass: a JobScheduler.every job, so one instance runs each period. */
export const REFRESH_JOB = "offers.refresh";
/** A pass an admin asked for (RefreshOffers with no product): a one-off job, run once across instances. */
export const REFRESH_NOW_JOB = "offers.refresh-now";

/** Refreshed products stored per transaction by a pass: one commit per batch instead of one per product. */
const STORE_BATCH = 50;

interface FetchedProduct {
  readonly productId: string;
  readonly offers: readonly ListedOffer[];
}

/**
 * Fetches one product's offers and stores them. A product the service does not know (404, or never
 * registered: FAILED) is registered again first. Throws when the service cannot be reached or refuses.
 */
export async function refreshProduct(
  deps: OffersDeps,
  product: RefreshCandidate,
  refreshRun: Date | undefined,
): Promise<void> {
  try {
    await storeOffers(deps, [await fetchProduct(deps, product)], refreshRun);
  } catch (error) {
    await recordFailure(deps, product.id, error);
    throw error;
  }
}

async function fetchProduct(deps: OffersDeps, product: RefreshCandidate): Promise<FetchedProduct> {
  if (product.state !== "REGISTERED") await registerAgain(deps, product);
  let fetched = await deps.provider.fetchOffers(product.id);
  if (fetched.kind === "unknown_product") {
    await registerAgain(deps, product);
    fetched = await deps.provider.fetchOffers(product.id);
    if (fetched.kind === "unknown_product")
      throw new OffersProviderFailure("the service lost the product again right after registering it", true);
  }
  return { productId: product.id, offers: fetched.offers };
}

async function recordFailure(deps: OffersDeps, productId: string, error: unknown): Promise<void> {
  deps.telemetry.refreshFailed();
  await deps.registrations
    .recordRefresh(productId, { time: deps.clock.now(), error: errorText(error) })
    .catch(() => {});
}

async function registerAgain(deps: OffersDeps, product: RefreshCandidate): Promise<void> {
  const outcome = await registerProduct(deps, product, true);
  if (outcome.kind === "failed")
    throw new OffersProviderFailure(`registration failed: ${outcome.registration.lastError}`, true);
}

/**
 * Stores the fetched offers of each product in one transaction: current offers replaced, a price point
 * appended, the refresh time noted and offers.offers_refreshed written to the outbox, per product.
 */
async function storeOffers(
  deps: OffersDeps,
  fetched: readonly FetchedProduct[],
  refreshRun: Date | undefined,
): Promise<void> {
  const time = deps.clock.now();
  const rows = fetched.map(({ productId, offers: listed }) => {
    // The service should list each offer once; if it repeats one, the last listing wins.
    const offers = [...new Map(listed.map((o) => [o.id, o])).values()];
    const point = pricePointOf(time, offers);
    const event: OffersRefreshed = {
      id: deps.ids.newId(),
      type: "offers.offers_refreshed",
      aggregateId: productId,
      occurredAt: time,
      payload: { productId, point, currencyCode: deps.shopCurrency },
    };
    return { productId, offers, point, event };
  });
  await deps.uow.run(async (tx) => {
    // Issued together, so the driver pipelines them on the transaction's connection.
    await Promise.all(
      rows.map(async ({ productId, offers, point, event }) => {
        await tx.offers.replaceCurrent(productId, offers, time);
        await tx.offers.appendPricePoint(productId, point, refreshRun);
        await tx.registrations.recordRefresh(productId, { time });
        await tx.outbox.append(event);
      }),
    );
  });
}

export interface RefreshPassResult {
  readonly refreshed: number;
  readonly failed: number;
}

/**
 * Refreshes every registered (and retries every failed) product that is not archived. Per-product failures
 * are counted and recorded on the product, never thrown: the pass goes on. Fetched products are stored in
 * batches; a batch that fails to store is stored product by product, so one bad row fails only itself.
 * Stops taking products once `signal` aborts.
 */
export async function refreshAllOffers(
  deps: OffersDeps,
  refreshRun: Date | undefined,
  signal?: AbortSignal,
): Promise<RefreshPassResult> {
  const started = deps.clock.now().getTime();
  const source = refreshCandidates(deps, signal);
  let refreshed = 0;
  let failed = 0;
  const batch: FetchedProduct[] = [];
  const flush = async (items: FetchedProduct[]) => {
    if (items.length === 0) return;
    try {
      await storeOffers(deps, items, refreshRun);
      refreshed += items.length;
      return;
    } catch {
      // One at a time below, to find the ones that fail.
    }
    for (const item of items) {
      try {
        await storeOffers(deps, [item], refreshRun);
        refreshed++;
      } catch (error) {
        failed++;
        await recordFailure(deps, item.productId, error);
      }
    }
  };
  // Workers share one generator: its next() calls queue, so each product goes to exactly one worker.
  const worker = async () => {
    for (;;) {
      const next = await source.next();
      if (next.done) {
        // Nothing left to fetch: store what waits now, not after the slowest fetch still running.
        await flush(batch.splice(0));
        return;
      }
      try {
        batch.push(await fetchProduct(deps, next.value));
      } catch (error) {
        failed++;
        await recordFailure(deps, next.value.id, error);
        continue;
      }
      if (batch.length >= STORE_BATCH) await flush(batch.splice(0));
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, deps.refreshConcurrency) }, worker));
  deps.telemetry.refreshPass((deps.clock.now().getTime() - started) / 1000, failed);
  return { refreshed, failed };
}

async function* refreshCandidates(deps: OffersDeps, signal?: AbortSignal): AsyncGenerator<RefreshCandidate> {
  let afterId: string | undefined;
  for (;;) {
    if (signal?.aborted) return;
    const page = await deps.registrations.listRefreshCandidates({ afterId, limit: deps.refreshPageSize });
    for (const candidate of page) {
      if (signal?.aborted) return;
      yield candidate;
    }
    const last = page[page.length - 1];
    if (!last || page.length < deps.refreshPageSize) return;
    afterId = last.id;
  }
}

/** Runs the periodic pass and admin-requested passes on this instance (each runs once across instances). */
export function runOffersRefresh(
  deps: OffersDeps,
  jobs: Pick<JobScheduler, "every" | "handle">,
  intervalMs: number,
): StopHandle {
  const stopping = new AbortController();
  const periodic = jobs.every(REFRESH_JOB, intervalMs, async (job) => {
    await refreshAllOffers(deps, job.runAt, stopping.signal);
  });
  const requested = jobs.handle(
    REFRESH_NOW_JOB,
    async () => void (await refreshAllOffers(deps, undefined, stopping.signal)),
    { concurrency: 1 },
  );
  return {
    async stop() {
      stopping.abort();
      await Promise.all([periodic.stop(), requested.stop()]);
    },
  };
}

export type RefreshNowResult =
  | { readonly kind: "product"; readonly offers: Offer[] }
  | { readonly kind: "scheduled" };

/**
 * RefreshOffers: one product now (its offers after the refresh), or every product in the background. The
 * caller's role is checked by the access policy (admins only).
 */
export async function refreshOffersNow(deps: OffersDeps, productId: string): Promise<RefreshNowResult> {
  const v = new Violations();
  const id = checkOptionalId(v, "product_id", productId);
  v.throwIfAny();
  if (!deps.serviceConfigured)
    throw new FailedPrecondition(
      "no Offers service is configured (OFFERS_BASE_URL): offers are not refreshed",
    );
  if (id === undefined) {
    const now = deps.clock.now();
    await deps.jobs.schedule({ name: REFRESH_NOW_JOB, key: deps.ids.newId(), runAt: now });
    return { kind: "scheduled" };
  }
  const product = await deps.products.find(id);
  if (!product) throw new NotFound("product not found");
  if (product.archived) throw new FailedPrecondition("archived products are not refreshed");
  const registration = await deps.registrations.find(id);
  try {
    await refreshProduct(deps, { ...product, state: registration?.state ?? "PENDING" }, undefined);
  } catch (error) {
    if (error instanceof OffersProviderFailure)
      throw new Unavailable(`the Offers service could not be reached: ${error.message}`);
    throw error;
  }
  return { kind: "product", offers: await deps.offers.listCurrent({ productId: id, limit: 100 }) };
}
