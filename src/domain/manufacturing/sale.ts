/**
 * A sale as SubmitSale recorded it, before (and whatever happens to) the purchase written from it. Kept for
 * good: it is what makes a repeat of the sale answer the same purchase id, and what the intake writes from.
 */
export interface Sale {
  readonly purchaseId: string;
  readonly officeCode: string;
  readonly externalOrderNumber: string;
  readonly brand: string;
  readonly carModel: string;
  /** The user or partner client that submitted it. */
  readonly submittedBy: string;
  readonly submitTime: Date;
}
