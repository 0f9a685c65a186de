import type { Principal } from "../identity/principal.js";
import type { Money } from "../shared/money.js";
import type { OrderStatus } from "./order-status.js";

/** One line of an order: a product, how many, and its price and name captured when the order was placed. */
export interface OrderItem {
  readonly productId: string;
  readonly productName: string;
  readonly quantity: number;
  readonly unitPrice: Money;
}

/** Who changed an order: its customer, an admin, or Shopfloor itself (the fulfilment simulator). */
export type OrderActor =
  | { readonly type: "customer"; readonly userId: string }
  | { readonly type: "admin"; readonly userId: string }
  | { readonly type: "system" };

export const SYSTEM_ACTOR: OrderActor = { type: "system" };

/** One entry of an order's audit trail: the status it entered, when, and by whose hand. */
export interface StatusChange {
  readonly status: OrderStatus;
  readonly changeTime: Date;
  readonly actor: OrderActor;
}

export interface Order {
  readonly id: string;
  readonly customerId: string;
  readonly status: OrderStatus;
  /** In request order; never empty. */
  readonly items: readonly OrderItem[];
  /** The sum of the lines, in the shop currency. */
  readonly total: Money;
  readonly createTime: Date;
  /** Time of the last status change (the placement at first). */
  readonly updateTime: Date;
  /** Oldest first; the first entry is the placement (PENDING), the last one is `status`. */
  readonly history: readonly StatusChange[];
}

/** Units one line may order: a real basket, not a warehouse transfer. */
export const MAX_LINE_QUANTITY = 10_000;
/** Lines one order may hold. */
export const MAX_ORDER_LINES = 100;

/** How many status changes the order has had since it was placed: a version that grows by one each time. */
export const changeCount = (order: Order): number => order.history.length - 1;

export const lineTotal = (item: OrderItem): number => item.unitPrice.amountMinor * item.quantity;

/** The total of `items`, or undefined when it would not be exact as a JS number (a bigint in Postgres). */
export function totalOf(items: readonly OrderItem[], currencyCode: string): Money | undefined {
  let amountMinor = 0;
  for (const item of items) amountMinor += lineTotal(item);
  return Number.isSafeInteger(amountMinor) ? { currencyCode, amountMinor } : undefined;
}

/**
 * Whether `principal` may see `order`: its customer or an admin. Everyone else is told it does not exist,
 * so order ids reveal nothing about other customers.
 */
export const canSee = (order: Order, principal: Principal): boolean =>
  principal.role === "ADMIN" || order.customerId === principal.userId;

/** The actor an authenticated caller acts as. */
export const actorOf = (principal: Principal): OrderActor =>
  principal.role === "ADMIN"
    ? { type: "admin", userId: principal.userId }
    : { type: "customer", userId: principal.userId };
