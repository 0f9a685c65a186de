import { InvalidArgument, NotFound } from "../shared/errors.js";
import { checkId } from "../shared/id-format.js";
import { Violations } from "../shared/violations.js";
import type { PricePoint } from "./offer.js";
import type { OffersDeps } from "./ports.js";

/** The most points one history answer holds; a longer range is downsampled to this many spans. */
export const MAX_HISTORY_POINTS = 500;

export interface PriceHistoryQuery {
  readonly productId: string;
  /** Inclusive; undefined: from the first point. */
  readonly startTime: Date | undefined;
  /** Exclusive; undefined: now. */
  readonly endTime: Date | undefined;
}

/** GetOfferPriceHistory: a product's price points over [start, end), at most MAX_HISTORY_POINTS of them. */
export async function getPriceHistory(
  deps: Pick<OffersDeps, "offers" | "products" | "clock">,
  query: PriceHistoryQuery,
): Promise<PricePoint[]> {
  const v = new Violations();
  const productId = checkId(v, "product_id", query.productId);
  v.throwIfAny();
  const to = query.endTime ?? deps.clock.now();
  if (query.startTime && query.startTime.getTime() >= to.getTime())
    throw InvalidArgument.field("start_time", "must be before end_time");
  if (!(await deps.products.find(productId))) throw new NotFound("product not found");
  return deps.offers.listPricePoints({
    productId,
    from: query.startTime,
    to,
    maxPoints: MAX_HISTORY_POINTS,
  });
}
