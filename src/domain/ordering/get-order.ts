import type { Principal } from "../identity/principal.js";
import { NotFound } from "../shared/errors.js";
import { checkId } from "../shared/id-format.js";
import { Violations } from "../shared/violations.js";
import { canSee, type Order } from "./order.js";
import type { OrderingDeps } from "./ports.js";

/** An order, for its customer or an admin; to anyone else it does not exist. */
export async function getOrder(
  deps: Pick<OrderingDeps, "orders">,
  principal: Principal,
  orderId: string,
): Promise<Order> {
  const v = new Violations();
  const id = checkId(v, "order_id", orderId);
  v.throwIfAny();
  const order = await deps.orders.findById(id);
  if (!order || !canSee(order, principal)) throw new NotFound("order not found");
  return order;
}
