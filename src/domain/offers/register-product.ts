import type { ProductCreated } from "../catalog/events.js";
import type { EventConsumer } from "../shared/event-bus.js";
import type { OffersDeps } from "./ports.js";
import { OffersProviderFailure } from "./ports.js";
import type { ProductToRegister, Registration } from "./registration.js";

// Registration of new products with the Offers service, driven by catalog.product_created. The register call
// is HTTP, outside any transaction, so the consumer is made idempotent by the registration row rather than by
// processed_events: a redelivery of a product already REGISTERED does nothing, and a repeated register call
// (a lost reply) meets 409, which the provider reports as success.

export const REGISTRATION_CONSUMER = "offers-registration";

/** What one attempt did: REGISTERED, or the error and whether the caller should retry it. */
export type RegisterOutcome =
  | { readonly kind: "registered"; readonly registration: Registration }
  | { readonly kind: "failed"; readonly registration: Registration; readonly retry: boolean };

/**
 * One register attempt. `finalAttempt` says no retry follows, so a failure leaves the product FAILED rather
 * than PENDING; a failure that cannot pass on its own (422, a refused refresh token) is FAILED at once.
 */
export async function registerProduct(
  deps: Pick<OffersDeps, "provider" | "registrations" | "clock" | "telemetry">,
  product: ProductToRegister,
  finalAttempt: boolean,
): Promise<RegisterOutcome> {
  try {
    await deps.provider.register(product);
  } catch (error) {
    const retryable = !(error instanceof OffersProviderFailure) || error.retryable;
    const retry = retryable && !finalAttempt;
    const registration = await deps.registrations.recordAttempt(product.id, {
      state: retry ? "PENDING" : "FAILED",
      error: errorText(error),
      time: deps.clock.now(),
    });
    deps.telemetry.registration(retry ? "retried" : "failed");
    return { kind: "failed", registration, retry };
  }
  const registration = await deps.registrations.recordAttempt(product.id, {
    state: "REGISTERED",
    time: deps.clock.now(),
  });
  deps.telemetry.registration("registered");
  return { kind: "registered", registration };
}

/**
 * The durable consumer of catalog.product_created. A retryable failure throws, so the backbone redelivers the
 * event with backoff (CONSUMER_RETRY_BASE, doubling) up to `maxRegisterAttempts` deliveries; the last one
 * records FAILED and acknowledges, so the event is not dead-lettered: the registration row is where an admin
 * looks, and the refresh pass retries FAILED products.
 */
export function registrationConsumer(
  deps: Pick<OffersDeps, "provider" | "registrations" | "clock" | "telemetry" | "maxRegisterAttempts">,
): EventConsumer {
  return {
    name: REGISTRATION_CONSUMER,
    eventTypes: ["catalog.product_created"],
    async handle(event, delivery) {
      const { product } = (event as ProductCreated).payload;
      const current = await deps.registrations.find(product.id);
      if (current?.state === "REGISTERED") return;
      const outcome = await registerProduct(
        deps,
        { id: product.id, name: product.name, description: product.description },
        delivery.attempt >= deps.maxRegisterAttempts,
      );
      if (outcome.kind === "failed" && outcome.retry)
        throw new Error(`registering product ${product.id}: ${outcome.registration.lastError}`);
    },
  };
}

export const errorText = (error: unknown): string =>
  (error instanceof Error ? error.message || error.name : String(error)).slice(0, 1000);
