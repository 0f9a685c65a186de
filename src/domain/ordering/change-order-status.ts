import { applyStockChanges } from "../catalog/apply-stock-changes.js";
import { FailedPrecondition } from "../shared/errors.js";
import { cancelFulfilmentStep, scheduleFulfilmentStep } from "./advance-order.js";
import type { OrderStatusChanged } from "./events.js";
import type { Order, OrderActor, StatusChange } from "./order.js";
import { changeCount } from "./order.js";
import { checkTransition, type OrderStatus } from "./order-status.js";
import type { OrderingDeps, OrderingTx } from "./ports.js";

export const CANCEL_STOCK_REASON = "order cancelled";

/**
 * Moves an order, read with `findForUpdate` in this transaction, to `to`: the one path every status change
 * takes (UpdateOrderStatus, CancelOrder, the fulfilment simulator). It checks the transition table, returns
 * the stock of every line on a cancellation (ledger rows and catalog.stock_changed included), records the
 * change with who and when, emits ordering.order_status_changed, and re-arms the simulator for the new
 * status. The order lock makes a second cancel see CANCELLED, so stock goes back exactly once.
 */
export async function changeOrderStatus(
  tx: OrderingTx,
  deps: Pick<OrderingDeps, "clock" | "ids" | "autoAdvanceMs">,
  order: Order,
  to: OrderStatus,
  actor: OrderActor,
  field?: string,
): Promise<Order> {
  checkTransition(order.status, to, field);
  const now = deps.clock.now();
  // Instances' clocks may differ a little; an order's history never goes back in time.
  const changeTime = new Date(Math.max(now.getTime(), order.updateTime.getTime()));
  const actorId = actor.type === "system" ? undefined : actor.userId;

  if (to === "CANCELLED") {
    const outcomes = await applyStockChanges(
      tx,
      deps,
      order.items.map((item) => ({ productId: item.productId, delta: item.quantity })),
      { reason: CANCEL_STOCK_REASON, actorId, referenceId: order.id },
    );
    const stuck = outcomes.filter((o) => o.status !== "applied").map((o) => o.productId);
    // Only a product whose stock is at the maximum could refuse its units back.
    if (stuck.length > 0)
      throw new FailedPrecondition(`the stock of ${stuck.join(", ")} cannot take the cancelled units back`);
  }

  const change: StatusChange = { status: to, changeTime, actor };
  await tx.orders.recordStatusChange(order.id, change);
  const updated: Order = {
    ...order,
    status: to,
    updateTime: changeTime,
    history: [...order.history, change],
  };
  const event: OrderStatusChanged = {
    id: deps.ids.newId(),
    type: "ordering.order_status_changed",
    aggregateId: order.id,
    occurredAt: changeTime,
    payload: {
      orderId: order.id,
      customerId: order.customerId,
      previousStatus: order.status,
      status: to,
      actor,
      changeTime,
      sequence: changeCount(updated),
    },
  };
  await tx.outbox.append(event);
  await cancelFulfilmentStep(tx.jobs, deps.autoAdvanceMs, order);
  await scheduleFulfilmentStep(tx.jobs, deps.autoAdvanceMs, updated);
  return updated;
}
