/** One seller's offer of a product, as the Offers service listed it at the product's last refresh. */
export interface Offer {
  /** The Offers service's id of the offer. */
  readonly id: string;
  readonly productId: string;
  /** Price of one unit in SHOP_CURRENCY minor units. */
  readonly priceMinor: number;
  readonly itemsInStock: number;
  readonly firstSeenTime: Date;
  readonly updateTime: Date;
}

/** An offer as the Offers service reports it (no product, no times: those are Shopfloor's). */
export interface ListedOffer {
  readonly id: string;
  readonly priceMinor: number;
  readonly itemsInStock: number;
}

/** The offers of one product at one refresh (or, downsampled, over a span of refreshes). */
export interface PricePoint {
  readonly time: Date;
  /** Undefined when there were no offers. */
  readonly minPriceMinor: number | undefined;
  readonly maxPriceMinor: number | undefined;
  readonly offerCount: number;
}

/** The price point a refresh that listed `offers` appends. */
export function pricePointOf(time: Date, offers: readonly ListedOffer[]): PricePoint {
  if (offers.length === 0) return { time, minPriceMinor: undefined, maxPriceMinor: undefined, offerCount: 0 };
  let min = Number.POSITIVE_INFINITY;
  let max = Number.NEGATIVE_INFINITY;
  for (const o of offers) {
    min = Math.min(min, o.priceMinor);
    max = Math.max(max, o.priceMinor);
  }
  return { time, minPriceMinor: min, maxPriceMinor: max, offerCount: offers.length };
}
