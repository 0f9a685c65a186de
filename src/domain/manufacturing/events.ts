import type { DomainEvent } from "../shared/domain-event.js";
import type { Purchase } from "./purchase.js";
import type { PurchaseState } from "./purchase-state.js";
import type { Sale } from "./sale.js";

/** SubmitSale recorded a sale; the intake consumer writes its purchase. */
export type SaleSubmitted = DomainEvent<"manufacturing.sale_submitted", { sale: Sale }>;

/** The intake wrote a purchase (state ORDERED). */
export type PurchaseCreated = DomainEvent<"manufacturing.purchase_created", { purchase: Purchase }>;

export type PurchaseStateChanged = DomainEvent<
  "manufacturing.purchase_state_changed",
  {
    readonly purchase: Pick<Purchase, "id" | "officeCode" | "externalOrderNumber" | "brand" | "carModel">;
    readonly previousState: PurchaseState;
    readonly state: PurchaseState;
    readonly actorId: string;
    readonly changeTime: Date;
    /** State changes after creation, this one included (1 for the first). */
    readonly sequence: number;
  }
>;

export type ManufacturingEvent = SaleSubmitted | PurchaseCreated | PurchaseStateChanged;
