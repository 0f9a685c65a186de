import type { PurchaseCreated, PurchaseStateChanged } from "./events.js";
import type { PurchaseChangeNotice } from "./webhook-message.js";

/** The event types a purchase's office is told about, and the webhook event type each becomes. */
export const NOTIFIED_EVENT_TYPES = [
  "manufacturing.purchase_created",
  "manufacturing.purchase_state_changed",
] as const;

/** A purchase event as its office's webhooks report it. */
export function noticeOf(event: PurchaseCreated | PurchaseStateChanged): PurchaseChangeNotice {
  if (event.type === "manufacturing.purchase_created") {
    const { purchase: p } = event.payload;
    return {
      eventId: event.id,
      type: "purchase.created",
      purchaseId: p.id,
      officeCode: p.officeCode,
      externalOrderNumber: p.externalOrderNumber,
      brand: p.brand,
      carModel: p.carModel,
      state: p.state,
      actorId: "",
      changeTime: p.createTime,
      sequence: 0,
    };
  }
  const { purchase: p, ...change } = event.payload;
  return {
    eventId: event.id,
    type: "purchase.state_changed",
    purchaseId: p.id,
    officeCode: p.officeCode,
    externalOrderNumber: p.externalOrderNumber,
    brand: p.brand,
    carModel: p.carModel,
    previousState: change.previousState,
    state: change.state,
    actorId: change.actorId,
    changeTime: change.changeTime,
    sequence: change.sequence,
  };
}
