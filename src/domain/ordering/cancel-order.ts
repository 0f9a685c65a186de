import type { Principal } from "../identity/principal.js";
import { FailedPrecondition, NotFound } from "../shared/errors.js";
import { checkId } from "../shared/id-format.js";
import { Violations } from "../shared/violations.js";
import { changeOrderStatus } from "./change-order-status.js";
import { actorOf, canSee, type Order } from "./order.js";
import { canTransition } from "./order-status.js";
import type { OrderingDeps } from "./ports.js";

/**
 * Cancels an order for its customer or an admin while it is PENDING or PAID; its stock goes back. A second
 * cancel, or one after shipping, is FailedPrecondition; another customer's order is NotFound.
 */
export async function cancelOrder(deps: OrderingDeps, principal: Principal, orderId: string): Promise<Order> {
  const v = new Violations();
  const id = checkId(v, "order_id", orderId);
  v.throwIfAny();
  return deps.uow.run(async (tx) => {
    const order = await tx.orders.findForUpdate(id);
    if (!order || !canSee(order, principal)) throw new NotFound("order not found");
    if (!canTransition(order.status, "CANCELLED")) {
      throw new FailedPrecondition(
        order.status === "CANCELLED"
          ? "the order is already cancelled"
          : `an order that is ${order.status} can no longer be cancelled (only PENDING or PAID orders can)`,
      );
    }
    return changeOrderStatus(tx, deps, order, "CANCELLED", actorOf(principal));
  });
}
