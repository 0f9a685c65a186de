import { type Timestamp, timestampDate } from "@bufbuild/protobuf/wkt";
import type { Money } from "../../gen/shopfloor/common/v1/common_pb.js";

const digitsCache = new Map<string, number>();

/** Minor-unit digits of a currency (2 for EUR, 0 for JPY), as Intl knows them. */
export function currencyDigits(currency: string): number {
  let digits = digitsCache.get(currency);
  if (digits === undefined) {
    digits = new Intl.NumberFormat("en", { style: "currency", currency }).resolvedOptions()
      .maximumFractionDigits as number;
    digitsCache.set(currency, digits);
  }
  return digits;
}

export function formatMoney(money: Money | undefined): string {
  if (!money) return "";
  const digits = currencyDigits(money.currencyCode);
  const value = Number(money.amountMinor) / 10 ** digits;
  return new Intl.NumberFormat(undefined, { style: "currency", currency: money.currencyCode }).format(value);
}

/** "19.99" -> 1999n in a currency with 2 digits; undefined when it is not a plain non-negative amount. */
export function parseAmount(text: string, currency: string): bigint | undefined {
  const digits = currencyDigits(currency);
  const m = /^(\d{1,12})(?:[.,](\d*))?$/.exec(text.trim());
  if (!m?.[1]) return undefined;
  const fraction = m[2] ?? "";
  if (fraction.length > digits) return undefined;
  return BigInt(m[1]) * 10n ** BigInt(digits) + BigInt(fraction.padEnd(digits, "0") || "0");
}

export function amountText(money: Money | undefined): string {
  if (!money) return "";
  const digits = currencyDigits(money.currencyCode);
  const n = money.amountMinor;
  if (digits === 0) return n.toString();
  const s = n.toString().padStart(digits + 1, "0");
  return `${s.slice(0, -digits)}.${s.slice(-digits)}`;
}

export function formatTime(ts: Timestamp | undefined): string {
  if (!ts) return "";
  return timestampDate(ts).toLocaleString();
}

/** An enum value's name ("REGIONAL_OFFICE", as protobuf-es names it) read as words: "Regional office". */
export function enumWord(name: string | undefined): string {
  if (!name) return "";
  const words = name.replaceAll("_", " ").toLowerCase();
  return words.charAt(0).toUpperCase() + words.slice(1);
}
