import type { Principal } from "../identity/principal.js";
import { NotFound } from "../shared/errors.js";
import { checkId } from "../shared/id-format.js";
import { Violations } from "../shared/violations.js";
import type { ManufacturingDeps } from "./ports.js";
import { canSee, type Purchase } from "./purchase.js";

/**
 * A purchase, for its office, its brand's manufacturers and admins; to anyone else it does not exist. A sale
 * just submitted is NOT_FOUND until the intake has written its purchase (normally milliseconds later).
 */
export async function getPurchase(
  deps: Pick<ManufacturingDeps, "purchases">,
  principal: Principal,
  purchaseId: string,
): Promise<Purchase> {
  const v = new Violations();
  const id = checkId(v, "purchase_id", purchaseId);
  v.throwIfAny();
  const purchase = await deps.purchases.findById(id);
  if (!purchase || !canSee(purchase, principal)) throw new NotFound("purchase not found");
  return purchase;
}
