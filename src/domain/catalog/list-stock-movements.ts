import { NotFound } from "../shared/errors.js";
import { checkId } from "../shared/id-format.js";
import type { Page } from "../shared/page.js";
import { pageSizeOf } from "../shared/page-size.js";
import { openCursor, sealedPage } from "../shared/page-tokens.js";
import { Violations } from "../shared/violations.js";
import type { CatalogDeps } from "./ports.js";
import type { StockMovement } from "./stock.js";

export interface ListStockMovementsCommand {
  readonly productId: string;
  readonly pageSize: number;
  readonly pageToken: string;
}

/** A product's stock ledger, newest first. */
export async function listStockMovements(
  deps: Pick<CatalogDeps, "products" | "stockLedger" | "pageTokens">,
  command: ListStockMovementsCommand,
): Promise<Page<StockMovement>> {
  const v = new Violations();
  const productId = checkId(v, "product_id", command.productId);
  const size = pageSizeOf(v, "page_size", command.pageSize);
  v.throwIfAny();

  const scope = JSON.stringify(["catalog.stock_movements", productId]);
  const cursor = openCursor(deps.pageTokens, "page_token", scope, command.pageToken, ["string"] as const);
  if (!(await deps.products.findById(productId))) throw new NotFound("product not found");
  const rows = await deps.stockLedger.listForProduct({ productId, limit: size + 1, beforeId: cursor?.[0] });
  return sealedPage(deps.pageTokens, scope, rows, size, (last) => [last.id]);
}
