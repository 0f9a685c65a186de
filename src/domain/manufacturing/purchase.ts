import type { Principal } from "../identity/principal.js";
import type { PurchaseState } from "./purchase-state.js";

/** One state a purchase entered: who moved it there and when (no actor for the intake itself). */
export interface PurchaseStateChange {
  readonly state: PurchaseState;
  readonly changeTime: Date;
  readonly actorId?: string | undefined;
}

/** A vehicle sold by a regional office, to be built by the manufacturer of its brand. */
export interface Purchase {
  /** The id SubmitSale answered (chosen at intake, before the purchase is written). */
  readonly id: string;
  readonly officeCode: string;
  readonly externalOrderNumber: string;
  readonly brand: string;
  readonly carModel: string;
  readonly state: PurchaseState;
  readonly submitTime: Date;
  readonly createTime: Date;
  readonly updateTime: Date;
  /** Oldest first; the first entry is ORDERED. */
  readonly history: readonly PurchaseStateChange[];
}

/**
 * Who may see a purchase: its office, a manufacturer of its brand, an admin. To anyone else it does not exist
 * (NOT_FOUND, never PERMISSION_DENIED, so another office's purchase ids reveal nothing).
 */
export function canSee(purchase: Pick<Purchase, "officeCode" | "brand">, principal: Principal): boolean {
  switch (principal.role) {
    case "ADMIN":
      return true;
    case "REGIONAL_OFFICE":
      return principal.officeCode === purchase.officeCode;
    case "MANUFACTURER":
      return principal.brands?.includes(purchase.brand) ?? false;
    default:
      return false;
  }
}
