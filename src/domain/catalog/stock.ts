import type { Violations } from "../shared/violations.js";

/** Upper bound of a product's stock: far above any real shelf, and safely inside a Postgres integer. */
export const MAX_STOCK = 1_000_000_000;

/** A row of the stock ledger: one change of one product's stock, written with the change itself. */
export interface StockMovement {
  readonly id: string;
  readonly productId: string;
  /** Signed, never zero. */
  readonly delta: number;
  /** The product's stock right after this change. */
  readonly resultingQuantity: number;
  readonly reason: string;
  /** The user who caused it; absent when the system did (e.g. a fulfilment worker cancelling an order). */
  readonly actorId?: string | undefined;
  /** What caused it when not a manual adjustment, e.g. the order id. */
  readonly referenceId?: string | undefined;
  readonly createTime: Date;
}

/** Why stock changes: recorded on every ledger row of one operation. */
export interface StockCause {
  readonly reason: string;
  readonly actorId?: string | undefined;
  readonly referenceId?: string | undefined;
}

/** A requested change of one product's stock. */
export interface StockChange {
  readonly productId: string;
  readonly delta: number;
}

export const REASON_MAX = 500;

/** A whole number of units in [min, MAX_STOCK]. */
export function checkQuantity(v: Violations, field: string, value: number, min: number): void {
  if (!Number.isSafeInteger(value) || value < min || value > MAX_STOCK)
    v.add(field, `must be a whole number between ${min} and ${MAX_STOCK}`);
}
