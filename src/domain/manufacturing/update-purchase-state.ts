import type { Principal } from "../identity/principal.js";
import { FailedPrecondition, InvalidArgument, NotFound } from "../shared/errors.js";
import { checkId } from "../shared/id-format.js";
import { Violations } from "../shared/violations.js";
import type { PurchaseStateChanged } from "./events.js";
import type { ManufacturingDeps } from "./ports.js";
import { canSee, type Purchase } from "./purchase.js";
import { canMove, nextStates, type PurchaseState } from "./purchase-state.js";

export interface UpdatePurchaseStateCommand {
  readonly purchaseId: string;
  readonly state: PurchaseState | undefined;
}

/**
 * A manufacturer of the purchase's brand (or an admin) moves it along its lifecycle. The purchase is locked
 * for the change, so two concurrent moves run one after the other and the second is checked against the
 * first's result. The change, its history entry and its `manufacturing.purchase_state_changed` event commit
 * together. A regional office's or another brand's manufacturer's attempt finds nothing (NOT_FOUND).
 */
export async function updatePurchaseState(
  deps: Pick<ManufacturingDeps, "uow" | "clock" | "ids">,
  principal: Principal,
  command: UpdatePurchaseStateCommand,
): Promise<Purchase> {
  const v = new Violations();
  const id = checkId(v, "purchase_id", command.purchaseId);
  if (command.state === undefined) v.add("state", "is required");
  v.throwIfAny();
  const target = command.state as PurchaseState;
  if (target === "ORDERED")
    throw InvalidArgument.field("state", "a purchase cannot be moved back to ORDERED");

  return deps.uow.run(async (tx) => {
    const purchase = await tx.purchases.findForUpdate(id);
    if (!purchase || principal.role === "REGIONAL_OFFICE" || !canSee(purchase, principal)) {
      throw new NotFound("purchase not found");
    }
    if (!canMove(purchase.state, target)) {
      const allowed = nextStates(purchase.state);
      throw new FailedPrecondition(
        `a purchase ${purchase.state} cannot move to ${target}` +
          (allowed.length > 0 ? ` (it may move to ${allowed.join(" or ")})` : " (it is final)"),
      );
    }
    const now = deps.clock.now();
    const change = { state: target, changeTime: now, actorId: principal.userId };
    const seq = purchase.history.length;
    await tx.purchases.recordStateChange(purchase.id, seq, change);
    const event: PurchaseStateChanged = {
      id: deps.ids.newId(),
      type: "manufacturing.purchase_state_changed",
      aggregateId: purchase.id,
      occurredAt: now,
      payload: {
        purchase: {
          id: purchase.id,
          officeCode: purchase.officeCode,
          externalOrderNumber: purchase.externalOrderNumber,
          brand: purchase.brand,
          carModel: purchase.carModel,
        },
        previousState: purchase.state,
        state: target,
        actorId: principal.userId,
        changeTime: now,
        sequence: seq,
      },
    };
    await tx.outbox.append(event);
    return { ...purchase, state: target, updateTime: now, history: [...purchase.history, change] };
  });
}
