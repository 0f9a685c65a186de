import type { Violations } from "./violations.js";

// Control characters (C0, DEL, C1) and lone UTF-16 surrogates: invisible in UIs, a means of spoofing, and
// NUL cannot be stored in a Postgres text column at all. Multi-line text keeps tab, newline and return.
const CONTROL = /\p{Cc}|\p{Cs}/u;
const CONTROL_MULTILINE = /(?![\t\n\r])\p{Cc}|\p{Cs}/u;

/** Whether a single-line value holds control characters or lone surrogates (NUL among them). */
export const hasControlCharacters = (value: string): boolean => CONTROL.test(value);

export interface TextRule {
  readonly min: number;
  readonly max: number;
  /** Allows tab, newline and carriage return. */
  readonly multiline?: boolean;
}

/** Checks a free-text field already trimmed by the caller; lengths count Unicode code points. */
export function checkText(v: Violations, field: string, value: string, rule: TextRule): void {
  // Cheap bound first, so a multi-megabyte string is refused without walking it.
  if (value.length > rule.max * 2) {
    v.add(field, `must be at most ${rule.max} characters`);
    return;
  }
  const length = [...value].length;
  if (length < rule.min)
    v.add(field, rule.min === 1 ? "is required" : `must be at least ${rule.min} characters`);
  else if (length > rule.max) v.add(field, `must be at most ${rule.max} characters`);
  else if ((rule.multiline ? CONTROL_MULTILINE : CONTROL).test(value))
    v.add(field, "must not contain control characters");
}
