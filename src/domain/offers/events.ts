import type { DomainEvent } from "../shared/domain-event.js";
import type { PricePoint } from "./offer.js";

/** A product's offers were fetched and stored: one per product per refresh, also when nothing changed. */
export type OffersRefreshed = DomainEvent<
  "offers.offers_refreshed",
  { productId: string; point: PricePoint; currencyCode: string }
>;

export type OffersEvent = OffersRefreshed;
