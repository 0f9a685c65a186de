import type { Violations } from "./violations.js";

/** An amount in integer minor units (cents) of an ISO 4217 currency. */
export interface Money {
  readonly currencyCode: string;
  readonly amountMinor: number;
}

/**
 * A price the shop can charge: in the shop currency, a whole number of minor units, not negative, and
 * small enough to stay exact as a JS number and in a Postgres bigint.
 */
export function checkPrice(
  v: Violations,
  field: string,
  price: Money | undefined,
  shopCurrency: string,
): void {
  if (price === undefined) {
    v.add(field, "is required");
    return;
  }
  if (price.currencyCode !== shopCurrency)
    v.add(`${field}.currency_code`, `must be the shop currency ${shopCurrency}`);
  if (!Number.isSafeInteger(price.amountMinor)) v.add(`${field}.amount_minor`, "is out of range");
  else if (price.amountMinor < 0) v.add(`${field}.amount_minor`, "must not be negative");
}
