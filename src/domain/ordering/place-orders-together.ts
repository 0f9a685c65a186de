import type { StockChanged } from "../catalog/events.js";
import type { Product } from "../catalog/product.js";
import type { StockMovement } from "../catalog/stock.js";
import { FailedPrecondition, InvalidArgument } from "../shared/errors.js";
import { scheduleFulfilmentStep } from "./advance-order.js";
import type { OrderPlaced } from "./events.js";
import { type Order, type OrderItem, totalOf } from "./order.js";
import {
  failsWholeOrder,
  type PlacedOrder,
  placementFailure,
  planPlacement,
  requestFingerprint,
} from "./order-placement.js";
import { IDEMPOTENCY_KEY_TTL_MS, PLACE_STOCK_REASON, type PlaceOrderResult } from "./place-order.js";
import type { OrderingDeps, OrderingTx, OrderPlacementRows, PlacementRequest } from "./ports.js";

/** Each request's own answer: its result, or the error it alone gets. */
export type PlacementOutcome =
  | { readonly ok: true; readonly result: PlaceOrderResult }
  | { readonly ok: false; readonly error: unknown };

/**
 * Places several orders in one transaction, each exactly as if it were placed alone one after the other in
 * arrival order: idempotency keys are claimed first (in key order, so two batches claiming the same keys wait
 * in the same order), then every product of the batch is locked once, in id order; each order is planned in
 * arrival order against the stock the orders before it left (all-or-nothing, or allow_partial, per order);
 * and the rows of all that succeed are written together. A request that fails gets its own error and leaves
 * nothing behind (its key is given back); the others commit. `requests` must not hold one customer's key
 * twice (the batcher keeps such a request for the next batch).
 *
 * A failure of the transaction itself (the database) fails every request of the batch.
 */
export async function placeOrdersTogether(
  deps: OrderingDeps,
  requests: readonly PlacementRequest[],
): Promise<PlacementOutcome[]> {
  return deps.uow.run(async (tx) => {
    const outcomes: Array<PlacementOutcome | undefined> = new Array(requests.length);
    const claimed = await claimKeys(deps, tx, requests, outcomes);

    const pending = requests.map((_, i) => i).filter((i) => outcomes[i] === undefined);
    const products = await tx.products.findForUpdate(
      pending.flatMap((i) => requests[i]?.lines.map((l) => l.productId) ?? []),
    );
    // The stock each product has left after the orders planned so far.
    const stock = new Map([...products].map(([id, p]) => [id, p.stockQuantity]));
    const current = new Map<string, Product>();
    const placements: OrderPlacementRows[] = [];
    for (const i of pending) {
      const request = requests[i] as PlacementRequest;
      current.clear();
      for (const { productId } of request.lines) {
        const product = products.get(productId);
        if (product) current.set(productId, { ...product, stockQuantity: stock.get(productId) ?? 0 });
      }
      try {
        const { rows, rejected } = planOrder(deps, request, current);
        for (const m of rows.movements) stock.set(m.productId, m.resultingQuantity);
        placements.push(rows);
        outcomes[i] = { ok: true, result: { order: rows.order, rejected, replayed: false } };
      } catch (error) {
        outcomes[i] = { ok: false, error };
      }
    }

    // Keys of requests that failed are given back, as a rollback of their own transaction would; then the
    // simulator's first steps. Both before the rows, so the write is the last statement and COMMIT follows it.
    for (const i of claimed) {
      const request = requests[i] as PlacementRequest;
      if (!outcomes[i]?.ok)
        await tx.idempotencyKeys.release(request.command.customerId, request.command.idempotencyKey);
    }
    for (const placement of placements)
      await scheduleFulfilmentStep(tx.jobs, deps.autoAdvanceMs, placement.order);
    if (placements.length > 0) {
      if (tx.placements) await tx.placements.write(placements);
      else await writeOneByOne(tx, placements);
    }
    return outcomes as PlacementOutcome[];
  });
}

/** Claims the keys of keyed requests; a replay (or a key reused for another request) is that request's outcome. */
async function claimKeys(
  deps: OrderingDeps,
  tx: OrderingTx,
  requests: readonly PlacementRequest[],
  outcomes: Array<PlacementOutcome | undefined>,
): Promise<number[]> {
  const keyed = requests
    .map((r, i) => [r.command, i] as const)
    .filter(([c]) => c.idempotencyKey !== "")
    .sort(([a], [b]) =>
      compare(`${a.customerId}/${a.idempotencyKey}`, `${b.customerId}/${b.idempotencyKey}`),
    );
  const claimed: number[] = [];
  for (const [command, i] of keyed) {
    const now = deps.clock.now();
    const claim = await tx.idempotencyKeys.claim({
      customerId: command.customerId,
      key: command.idempotencyKey,
      fingerprint: requestFingerprint(requests[i]?.lines ?? [], command.allowPartial),
      now,
      expiredBefore: new Date(now.getTime() - IDEMPOTENCY_KEY_TTL_MS),
    });
    if (claim.kind === "claimed") {
      claimed.push(i);
      continue;
    }
    outcomes[i] = claim.sameRequest
      ? { ok: true, result: { ...claim.result, replayed: true } }
      : {
          ok: false,
          error: InvalidArgument.field(
            "idempotency_key",
            "was already used for a different request (keys are per customer and kept for 24 hours)",
          ),
        };
  }
  return claimed;
}

/** One order planned against `products` (locked, with the stock the orders before it left). Throws its refusal. */
function planOrder(
  deps: OrderingDeps,
  { command, lines }: PlacementRequest,
  products: ReadonlyMap<string, Product>,
): { rows: OrderPlacementRows; rejected: PlacedOrder["rejected"] } {
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
  if (!total) throw new FailedPrecondition("the order total is beyond the largest amount Shopfloor can hold");

  const events: Array<StockChanged | OrderPlaced> = [];
  const movements: StockMovement[] = [...plan.accepted]
    .sort((a, b) => compare(a.product.id, b.product.id))
    .map(({ product, quantity }) => ({
      id: deps.ids.newId(),
      productId: product.id,
      delta: -quantity,
      resultingQuantity: product.stockQuantity - quantity,
      reason: PLACE_STOCK_REASON,
      actorId: command.customerId,
      referenceId: orderId,
      createTime: now,
    }));
  for (const movement of movements) {
    events.push({
      id: deps.ids.newId(),
      type: "catalog.stock_changed",
      aggregateId: movement.productId,
      occurredAt: now,
      payload: { movement },
    });
  }
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
  events.push({
    id: deps.ids.newId(),
    type: "ordering.order_placed",
    aggregateId: orderId,
    occurredAt: now,
    payload: { order },
  });
  const rejected = plan.rejected.map(({ productId, quantity, reason }) => ({ productId, quantity, reason }));
  const rows: OrderPlacementRows = {
    order,
    movements,
    events,
    ...(command.idempotencyKey !== ""
      ? {
          idempotencyKey: {
            customerId: command.customerId,
            key: command.idempotencyKey,
            result: { order, rejected },
          },
        }
      : {}),
  };
  return { rows, rejected };
}

/** The rows through the single-row repositories, for a transaction without an OrderPlacementWriter. */
async function writeOneByOne(tx: OrderingTx, placements: readonly OrderPlacementRows[]): Promise<void> {
  for (const { order, movements, events, idempotencyKey } of placements) {
    for (const movement of movements) {
      const applied = await tx.products.applyStockDelta(movement.productId, movement.delta);
      if (applied.kind !== "applied" || applied.quantity !== movement.resultingQuantity)
        throw new Error("stock changed under a row lock");
      await tx.stockLedger.record(movement);
    }
    await tx.orders.insert(order);
    for (const event of events) await tx.outbox.append(event);
    if (idempotencyKey)
      await tx.idempotencyKeys.complete(idempotencyKey.customerId, idempotencyKey.key, idempotencyKey.result);
  }
}

const compare = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);
