import type { Product } from "../catalog/product.js";
import { FailedPrecondition } from "../shared/errors.js";
import type { Order } from "./order.js";

// The rules that decide which lines of a PlaceOrder request can be served, on the products as they are
// (read under lock) when the order is placed.

/** Why a line cannot be ordered. Domain terms; the API maps them to its RejectionReason enum. */
export type RejectionReason = "insufficient_stock" | "archived" | "not_found";

/** A line as the customer asked for it. */
export interface RequestedLine {
  readonly productId: string;
  readonly quantity: number;
}

export interface RejectedLine {
  readonly productId: string;
  readonly quantity: number;
  readonly reason: RejectionReason;
}

/** The response of a placed order: what was ordered, and which lines were not (allow_partial only). */
export interface PlacedOrder {
  readonly order: Order;
  /** In request order. */
  readonly rejected: readonly RejectedLine[];
}

export interface AcceptedLine {
  /** Position in the request. */
  readonly index: number;
  readonly product: Product;
  readonly quantity: number;
}

export interface RejectedLineAt extends RejectedLine {
  readonly index: number;
  /** Units in stock, for insufficient_stock. */
  readonly available?: number | undefined;
}

export interface PlacementPlan {
  readonly accepted: readonly AcceptedLine[];
  readonly rejected: readonly RejectedLineAt[];
}

/** Sorts each line into accepted or rejected (with its reason), keeping request order in both. */
export function planPlacement(
  lines: readonly RequestedLine[],
  products: ReadonlyMap<string, Product>,
): PlacementPlan {
  const accepted: AcceptedLine[] = [];
  const rejected: RejectedLineAt[] = [];
  lines.forEach((line, index) => {
    const product = products.get(line.productId);
    if (!product) rejected.push({ ...line, index, reason: "not_found" });
    else if (product.archived) rejected.push({ ...line, index, reason: "archived" });
    else if (product.stockQuantity < line.quantity)
      rejected.push({ ...line, index, reason: "insufficient_stock", available: product.stockQuantity });
    else accepted.push({ index, product, quantity: line.quantity });
  });
  return { accepted, rejected };
}

/**
 * Whether the plan fails the whole order: by default any rejected line does (all-or-nothing); with
 * allow_partial only a plan with nothing left to order does.
 */
export const failsWholeOrder = (plan: PlacementPlan, allowPartial: boolean): boolean =>
  plan.accepted.length === 0 || (!allowPartial && plan.rejected.length > 0);

const DESCRIPTIONS: Record<RejectionReason, (line: RejectedLineAt) => string> = {
  insufficient_stock: (l) => `insufficient stock: ${l.available ?? 0} available, ${l.quantity} requested`,
  archived: () => "product is archived and can no longer be ordered",
  not_found: () => "no product has this id",
};

/** The FAILED_PRECONDITION of an order that cannot be served, naming each line that cannot. */
export function placementFailure(rejected: readonly RejectedLineAt[]): FailedPrecondition {
  const violations = rejected.map((line) => ({
    field:
      line.reason === "insufficient_stock"
        ? `items[${line.index}].quantity`
        : `items[${line.index}].product_id`,
    description: DESCRIPTIONS[line.reason](line),
  }));
  const summary = rejected
    .map((line) => `items[${line.index}] (${line.productId}): ${DESCRIPTIONS[line.reason](line)}`)
    .join("; ");
  return new FailedPrecondition(`the order cannot be served: ${summary}`, violations);
}

/**
 * The request in a normal form, for recognising a repeat under the same idempotency key: lines sorted by
 * product (their order does not change what is ordered), ids in canonical case.
 */
export function requestFingerprint(lines: readonly RequestedLine[], allowPartial: boolean): string {
  const sorted = [...lines]
    .map((l) => [l.productId.toLowerCase(), l.quantity] as const)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return JSON.stringify({ v: 1, lines: sorted, allowPartial });
}
