import { checkId } from "../shared/id-format.js";
import { checkText } from "../shared/text-rules.js";
import { Violations } from "../shared/violations.js";
import { MAX_LINE_QUANTITY, MAX_ORDER_LINES } from "./order.js";
import type { PlacedOrder, RequestedLine } from "./order-placement.js";
import { placeOrdersTogether } from "./place-orders-together.js";
import type { OrderingDeps } from "./ports.js";

export interface PlaceOrderCommand {
  readonly customerId: string;
  readonly items: readonly RequestedLine[];
  /** Empty: none. */
  readonly idempotencyKey: string;
  readonly allowPartial: boolean;
}

export interface PlaceOrderResult extends PlacedOrder {
  /** True when this is the stored result of an earlier request with the same idempotency key. */
  readonly replayed: boolean;
}

export const PLACE_STOCK_REASON = "order placed";
/** How long an idempotency key is remembered (as Stripe does). */
export const IDEMPOTENCY_KEY_TTL_MS = 24 * 3_600_000;
const IDEMPOTENCY_KEY = { min: 1, max: 255 } as const;

/**
 * Places an order in one transaction with everything it changes: the idempotency key, the products locked
 * in id order, each line's stock taken with its ledger row and catalog.stock_changed, the order with its
 * lines and history, ordering.order_placed, and the simulator's first step. A refused order touches no stock.
 * With a placer (the app's PlaceOrderBatcher) orders arriving together share that transaction, each planned
 * as if placed alone in arrival order (place-orders-together.ts); without one, the order is a batch of one.
 */
export async function placeOrder(deps: OrderingDeps, command: PlaceOrderCommand): Promise<PlaceOrderResult> {
  const request = { command, lines: checkLines(command) };
  if (deps.placer) return deps.placer.place(request);
  const [outcome] = await placeOrdersTogether(deps, [request]);
  if (!outcome) throw new Error("no outcome for a placed order");
  if (!outcome.ok) throw outcome.error;
  return outcome.result;
}

function checkLines(command: PlaceOrderCommand): RequestedLine[] {
  const v = new Violations();
  const count = command.items.length;
  if (count === 0 || count > MAX_ORDER_LINES) v.add("items", `must hold 1 to ${MAX_ORDER_LINES} lines`);
  const lines: RequestedLine[] = [];
  const firstIndex = new Map<string, number>();
  command.items.slice(0, MAX_ORDER_LINES).forEach((item, i) => {
    const productId = checkId(v, `items[${i}].product_id`, item.productId);
    const { quantity } = item;
    if (!Number.isSafeInteger(quantity) || quantity < 1 || quantity > MAX_LINE_QUANTITY)
      v.add(`items[${i}].quantity`, `must be a whole number between 1 and ${MAX_LINE_QUANTITY}`);
    const first = firstIndex.get(productId);
    if (first !== undefined && productId !== "")
      v.add(
        `items[${i}].product_id`,
        `repeats items[${first}]: order each product once, with its total quantity`,
      );
    else firstIndex.set(productId, i);
    lines.push({ productId, quantity });
  });
  if (command.idempotencyKey !== "") checkText(v, "idempotency_key", command.idempotencyKey, IDEMPOTENCY_KEY);
  v.throwIfAny();
  return lines;
}
