import { FailedPrecondition } from "../shared/errors.js";

export const ORDER_STATUSES = ["PENDING", "PAID", "SHIPPED", "DELIVERED", "CANCELLED"] as const;
export type OrderStatus = (typeof ORDER_STATUSES)[number];

/**
 * The order lifecycle (SPEC §4), as data: the statuses each status may move to. Every status change, by a
 * customer, an admin or the fulfilment simulator, is checked against this table and nothing else.
 */
export const ORDER_TRANSITIONS: { readonly [From in OrderStatus]: readonly OrderStatus[] } = {
  PENDING: ["PAID", "CANCELLED"],
  PAID: ["SHIPPED", "CANCELLED"],
  SHIPPED: ["DELIVERED"],
  DELIVERED: [],
  CANCELLED: [],
};

/** The fulfilment step after each open status: what the simulator moves an order to. */
export const FULFILMENT_STEP: { readonly [From in OrderStatus]?: OrderStatus } = {
  PENDING: "PAID",
  PAID: "SHIPPED",
  SHIPPED: "DELIVERED",
};

export const canTransition = (from: OrderStatus, to: OrderStatus): boolean =>
  ORDER_TRANSITIONS[from].includes(to);

/** A final order changes no more (and a WatchOrder stream of it ends). */
export const isFinal = (status: OrderStatus): boolean => ORDER_TRANSITIONS[status].length === 0;

/**
 * Throws FailedPrecondition, naming the legal moves, unless `from` may move to `to`; `field` is the request
 * field that asked for `to`, if any.
 */
export function checkTransition(from: OrderStatus, to: OrderStatus, field?: string): void {
  if (canTransition(from, to)) return;
  const legal = ORDER_TRANSITIONS[from];
  throw new FailedPrecondition(
    from === to
      ? `order is already ${to}`
      : `an order cannot go from ${from} to ${to}` +
          (legal.length === 0 ? ` (${from} is final)` : ` (from ${from}: ${legal.join(" or ")})`),
    field === undefined ? [] : [{ field, description: `cannot go from ${from} to ${to}` }],
  );
}
