import type { Clock } from "../shared/clock.js";
import type { IdGenerator } from "../shared/id-generator.js";
import type { StockChanged } from "./events.js";
import type { StockTx } from "./ports.js";
import type { StockCause, StockChange, StockMovement } from "./stock.js";

/** What happened to one requested change. */
export type StockChangeOutcome =
  | { readonly status: "applied"; readonly productId: string; readonly movement: StockMovement }
  /** Refused: stock would go below zero (or above MAX_STOCK); `available` is the unchanged stock. */
  | { readonly status: "refused"; readonly productId: string; readonly available: number }
  | { readonly status: "missing"; readonly productId: string };

/**
 * Applies stock changes inside the caller's transaction: each one a guarded atomic update, and for each that
 * applies a ledger row and a catalog.stock_changed event in the same transaction. Rows are touched in
 * product-id order so concurrent callers lock in the same order and cannot deadlock.
 *
 * Refused and missing changes change nothing; whether they fail the whole operation is the caller's rule
 * (AdjustStock and all-or-nothing orders throw, so the transaction rolls back; partial orders keep going).
 * Outcomes are returned in the order of `changes`. Whether a product may be sold (archived) is not checked
 * here: returning stock of an archived product is legitimate.
 */
export async function applyStockChanges(
  tx: StockTx,
  env: { readonly clock: Clock; readonly ids: IdGenerator },
  changes: readonly StockChange[],
  cause: StockCause,
): Promise<StockChangeOutcome[]> {
  for (const { delta } of changes) {
    // A zero or fractional delta is a caller's bug (requests are validated before they get here).
    if (!Number.isSafeInteger(delta) || delta === 0) throw new Error(`invalid stock delta ${delta}`);
  }
  const order = changes
    .map((_, i) => i)
    .sort((a, b) => compare(changes[a]?.productId, changes[b]?.productId));
  const outcomes: StockChangeOutcome[] = new Array(changes.length);
  const now = env.clock.now();
  for (const i of order) {
    const change = changes[i] as StockChange;
    const { productId, delta } = change;
    const result = await tx.products.applyStockDelta(productId, delta);
    if (result.kind === "missing") {
      outcomes[i] = { status: "missing", productId };
      continue;
    }
    if (result.kind === "refused") {
      outcomes[i] = { status: "refused", productId, available: result.quantity };
      continue;
    }
    const movement: StockMovement = {
      id: env.ids.newId(),
      productId,
      delta,
      resultingQuantity: result.quantity,
      reason: cause.reason,
      actorId: cause.actorId,
      referenceId: cause.referenceId,
      createTime: now,
    };
    await tx.stockLedger.record(movement);
    const event: StockChanged = {
      id: env.ids.newId(),
      type: "catalog.stock_changed",
      aggregateId: productId,
      occurredAt: now,
      payload: { movement },
    };
    await tx.outbox.append(event);
    outcomes[i] = { status: "applied", productId, movement };
  }
  return outcomes;
}

const compare = (a = "", b = ""): number => (a < b ? -1 : a > b ? 1 : 0);
