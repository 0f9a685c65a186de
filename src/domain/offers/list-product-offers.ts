import { NotFound } from "../shared/errors.js";
import { checkId } from "../shared/id-format.js";
import type { Page } from "../shared/page.js";
import { pageSizeOf } from "../shared/page-size.js";
import { openCursor, sealedPage } from "../shared/page-tokens.js";
import { Violations } from "../shared/violations.js";
import type { Offer } from "./offer.js";
import type { OffersDeps } from "./ports.js";

export interface ListProductOffersCommand {
  readonly productId: string;
  readonly pageSize: number;
  readonly pageToken: string;
}

/**
 * A product's current offers, cheapest first, from Shopfloor's database only (the Offers service is never
 * called here, so its outages cannot reach this read). An unknown product is NOT_FOUND; a known one with no
 * offers yet is an empty page.
 */
export async function listProductOffers(
  deps: Pick<OffersDeps, "offers" | "registrations" | "products" | "pageTokens">,
  command: ListProductOffersCommand,
): Promise<Page<Offer> & { readonly refreshTime: Date | undefined }> {
  const v = new Violations();
  const productId = checkId(v, "product_id", command.productId);
  const size = pageSizeOf(v, "page_size", command.pageSize);
  v.throwIfAny();
  const scope = JSON.stringify(["offers.product_offers", productId]);
  const cursor = openCursor(deps.pageTokens, "page_token", scope, command.pageToken, [
    "number",
    "string",
  ] as const);
  const [product, registration, rows] = await Promise.all([
    deps.products.find(productId),
    deps.registrations.find(productId),
    deps.offers.listCurrent({
      productId,
      after: cursor ? { priceMinor: cursor[0], offerId: cursor[1] } : undefined,
      limit: size + 1,
    }),
  ]);
  if (!product) throw new NotFound("product not found");
  const page = sealedPage(deps.pageTokens, scope, rows, size, (last) => [last.priceMinor, last.id]);
  return { ...page, refreshTime: registration?.lastRefreshTime };
}
