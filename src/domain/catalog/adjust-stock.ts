import { FailedPrecondition, NotFound } from "../shared/errors.js";
import { checkId } from "../shared/id-format.js";
import { checkText } from "../shared/text-rules.js";
import { Violations } from "../shared/violations.js";
import { applyStockChanges } from "./apply-stock-changes.js";
import type { CatalogDeps } from "./ports.js";
import type { Product } from "./product.js";
import { MAX_STOCK, REASON_MAX } from "./stock.js";

export interface AdjustStockCommand {
  readonly productId: string;
  readonly delta: number;
  readonly reason: string;
  readonly actorId: string;
}

/**
 * An admin's correction of a product's stock (a delivery, a count, breakage). A change that would take stock
 * below zero is refused and changes nothing; otherwise the stock, its ledger row and its event commit together.
 */
export async function adjustStock(deps: CatalogDeps, command: AdjustStockCommand): Promise<Product> {
  const reason = command.reason.trim();
  const v = new Violations();
  const productId = checkId(v, "product_id", command.productId);
  if (!Number.isSafeInteger(command.delta) || command.delta === 0 || Math.abs(command.delta) > MAX_STOCK)
    v.add("delta", `must be a non-zero whole number between -${MAX_STOCK} and ${MAX_STOCK}`);
  checkText(v, "reason", reason, { min: 1, max: REASON_MAX });
  v.throwIfAny();

  return deps.uow.run(async (tx) => {
    const [outcome] = await applyStockChanges(tx, deps, [{ productId, delta: command.delta }], {
      reason,
      actorId: command.actorId,
    });
    if (!outcome || outcome.status === "missing") throw new NotFound("product not found");
    if (outcome.status === "refused") {
      const below = outcome.available + command.delta < 0;
      throw new FailedPrecondition(
        below
          ? `insufficient stock: ${outcome.available} in stock, cannot remove ${-command.delta}`
          : `stock would exceed the maximum of ${MAX_STOCK}`,
        [
          {
            field: "delta",
            description: below ? "would take stock below zero" : "would exceed the maximum stock",
          },
        ],
      );
    }
    const product = await tx.products.findById(productId);
    if (!product) throw new NotFound("product not found");
    return product;
  });
}
