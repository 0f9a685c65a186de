import type { Page } from "../shared/page.js";
import { pageSizeOf } from "../shared/page-size.js";
import { openCursor, sealedPage } from "../shared/page-tokens.js";
import { Violations } from "../shared/violations.js";
import type { CatalogDeps } from "./ports.js";
import type { Product } from "./product.js";
import { MAX_STOCK } from "./stock.js";

export interface ListLowStockCommand {
  readonly threshold: number;
  readonly pageSize: number;
  readonly pageToken: string;
}

/** Products on sale whose stock is below `threshold`, lowest first: what to restock. */
export async function listLowStock(
  deps: Pick<CatalogDeps, "products" | "pageTokens">,
  command: ListLowStockCommand,
): Promise<Page<Product>> {
  const v = new Violations();
  const { threshold } = command;
  // Stock is never negative, so a threshold of 0 could only ever list nothing: most likely a missing field.
  if (!Number.isSafeInteger(threshold) || threshold < 1 || threshold > MAX_STOCK + 1)
    v.add("threshold", `is required: a whole number between 1 and ${MAX_STOCK + 1}`);
  const size = pageSizeOf(v, "page_size", command.pageSize);
  v.throwIfAny();

  const scope = JSON.stringify(["catalog.low_stock", threshold]);
  const cursor = openCursor(deps.pageTokens, "page_token", scope, command.pageToken, [
    "number",
    "string",
  ] as const);
  const rows = await deps.products.listLowStock({
    threshold,
    after: cursor && { quantity: cursor[0], id: cursor[1] },
    limit: size + 1,
  });
  return sealedPage(deps.pageTokens, scope, rows, size, (last) => [last.stockQuantity, last.id]);
}
