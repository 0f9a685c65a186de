import type { Principal } from "../identity/principal.js";
import { NotFound } from "../shared/errors.js";
import { checkId } from "../shared/id-format.js";
import { Violations } from "../shared/violations.js";
import { changeOrderStatus } from "./change-order-status.js";
import { actorOf, type Order } from "./order.js";
import type { OrderStatus } from "./order-status.js";
import type { OrderingDeps } from "./ports.js";

export interface UpdateOrderStatusCommand {
  readonly orderId: string;
  /** Undefined when the request named no status. */
  readonly status: OrderStatus | undefined;
}

/**
 * An admin moves an order along its lifecycle, only as the transition table allows. Moving it to CANCELLED
 * is a cancellation like any other: its stock goes back.
 */
export async function updateOrderStatus(
  deps: OrderingDeps,
  admin: Principal,
  command: UpdateOrderStatusCommand,
): Promise<Order> {
  const v = new Violations();
  const id = checkId(v, "order_id", command.orderId);
  if (command.status === undefined) v.add("status", "is required");
  v.throwIfAny();
  const to = command.status as OrderStatus;
  return deps.uow.run(async (tx) => {
    const order = await tx.orders.findForUpdate(id);
    if (!order) throw new NotFound("order not found");
    return changeOrderStatus(tx, deps, order, to, actorOf(admin), "status");
  });
}
