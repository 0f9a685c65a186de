import { applyStockChanges } from "../catalog/apply-stock-changes.js";
import { FailedPrecondition, InvalidArgument } from "../shared/errors.js";
import { checkId } from "../shared/id-format.js";
import { checkText } from "../shared/text-rules.js";
import { Violations } from "../shared/violations.js";
import { scheduleFulfilmentStep } from "./advance-order.js";
import type { OrderPlaced } from "./events.js";
import { MAX_LINE_QUANTITY, MAX_ORDER_LINES, type Order, type OrderItem, totalOf } from "./order.js";
import {
  failsWholeOrder,
  type PlacedOrder,
  placementFailure,
  planPlacement,
  type RequestedLine,
  requestFingerprint,
} from "./order-placement.js";
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
 * in id order, each line's stock taken by a guarded update with its ledger row and catalog.stock_changed,
 * the order with its lines and history, ordering.order_placed, and the simulator's first step. A failure
 * anywhere rolls all of it back, so a refused order touches no stock.
 */
export async function placeOrder(deps: OrderingDeps, command: PlaceOrderCommand): Promise<PlaceOrderResult> {
  const lines = checkLines(command);
  const key = command.idempotencyKey;

  return deps.uow.run(async (tx) => {
    // First, before any product is locked: a concurrent request with the same key waits here, holding
    // nothing, until this transaction ends.
    if (key !== "") {
      const now = deps.clock.now();
      const claim = await tx.idempotencyKeys.claim({
        customerId: command.customerId,
        key,
        fingerprint: requestFingerprint(lines, command.allowPartial),
        now,
        expiredBefore: new Date(now.getTime() - IDEMPOTENCY_KEY_TTL_MS),
      });
      if (claim.kind === "replay") {
        if (!claim.sameRequest) {
          throw InvalidArgument.field(
            "idempotency_key",
            "was already used for a different request (keys are per customer and kept for 24 hours)",
          );
        }
        return { ...claim.result, replayed: true };
      }
    }

    const products = await tx.products.findForUpdate(lines.map((l) => l.productId));
    const plan = planPlacement(lines, products);
    if (failsWholeOrder(plan, command.allowPartial)) throw placementFailure(plan.rejected);

    const orderId = deps.ids.newId();
    const now = deps.clock.now();
    const items: OrderItem[] = plan.accepted.map(({ product, quantity }) => ({
      productId: product.id,
      productName: product.name,
      quantity,
      unitPrice: product.price,
    }));
    const total = totalOf(items, deps.shopCurrency);
    if (!total)
      throw new FailedPrecondition("the order total is beyond the largest amount Shopfloor can hold");

    const outcomes = await applyStockChanges(
      tx,
      deps,
      items.map((item) => ({ productId: item.productId, delta: -item.quantity })),
      { reason: PLACE_STOCK_REASON, actorId: command.customerId, referenceId: orderId },
    );
    // The rows are locked and were checked above, so a refusal here means a broken lock, not a customer's
    // problem: fail loudly rather than sell what is not there.
    if (outcomes.some((o) => o.status !== "applied")) throw new Error("stock changed under a row lock");

    const order: Order = {
      id: orderId,
      customerId: command.customerId,
      status: "PENDING",
      items,
      total,
      createTime: now,
      updateTime: now,
      history: [
        { status: "PENDING", changeTime: now, actor: { type: "customer", userId: command.customerId } },
      ],
    };
    await tx.orders.insert(order);
    const event: OrderPlaced = {
      id: deps.ids.newId(),
      type: "ordering.order_placed",
      aggregateId: orderId,
      occurredAt: now,
      payload: { order },
    };
    await tx.outbox.append(event);
    await scheduleFulfilmentStep(tx.jobs, deps.autoAdvanceMs, order);

    const placed: PlacedOrder = {
      order,
      rejected: plan.rejected.map(({ productId, quantity, reason }) => ({ productId, quantity, reason })),
    };
    if (key !== "") await tx.idempotencyKeys.complete(command.customerId, key, placed);
    return { ...placed, replayed: false };
  });
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
