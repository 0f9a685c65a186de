import { type Timestamp, timestampDate } from "@bufbuild/protobuf/wkt";
import type { Money } from "../../domain/shared/money.js";

// Fields every event payload decoder needs present: a missing one makes the payload malformed, which
// decodeEvent reports as UndecodableEvent.

export function dateOf(field: string, timestamp: Timestamp | undefined): Date {
  if (!timestamp) throw new Error(`${field} missing`);
  return timestampDate(timestamp);
}

export function moneyOf(
  field: string,
  money: { currencyCode: string; amountMinor: bigint } | undefined,
): Money {
  if (!money) throw new Error(`${field} missing`);
  return { currencyCode: money.currencyCode, amountMinor: Number(money.amountMinor) };
}
