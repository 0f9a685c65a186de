import { Violations } from "../shared/violations.js";
import type { AnalyticsDeps } from "./ports.js";
import type { ProductSales, Ranking } from "./sales.js";
import { checkIdList, checkRange } from "./sales-request-rules.js";

export interface GetTopProductsCommand {
  readonly start: Date | undefined;
  readonly end: Date | undefined;
  /** Undefined: by revenue. */
  readonly ranking: Ranking | undefined;
  /** 0: the default. */
  readonly limit: number;
  readonly categoryIds: readonly string[];
}

export const DEFAULT_TOP_PRODUCTS = 10;
export const MAX_TOP_PRODUCTS = 100;

/** The best-selling products over a range, with their current names; ties broken stably. */
export async function getTopProducts(
  deps: AnalyticsDeps,
  command: GetTopProductsCommand,
): Promise<{ readonly products: readonly ProductSales[]; readonly currencyCode: string }> {
  const v = new Violations();
  const range = checkRange(v, command.start, command.end);
  const categoryIds = checkIdList(v, "category_ids", command.categoryIds);
  if (!Number.isInteger(command.limit) || command.limit < 0 || command.limit > MAX_TOP_PRODUCTS)
    v.add("limit", `must be between 1 and ${MAX_TOP_PRODUCTS} (0 for ${DEFAULT_TOP_PRODUCTS})`);
  v.throwIfAny();
  if (!range) throw new Error("unreachable: checked above");
  const products = await deps.sales.topProducts({
    range,
    filter: { productIds: [], categoryIds },
    ranking: command.ranking ?? "REVENUE",
    limit: command.limit === 0 ? DEFAULT_TOP_PRODUCTS : command.limit,
  });
  return { products, currencyCode: deps.shopCurrency };
}
