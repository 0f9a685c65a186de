import type { Violations } from "./violations.js";

// The one rule for every human-readable field (names, descriptions, reasons, queries, keys): what a person reads
// must be what is stored. Refused, because they are invisible in UIs, reorder what is shown, or cannot be stored:
//   - control characters (C0, DEL, C1; NUL cannot even be stored in a Postgres text column); multi-line text keeps
//     tab, newline and carriage return;
//   - format characters: bidi embeddings, overrides, isolates and marks ("Safe\u202Egnp.exe" shows as
//     "Safeexe.png"), zero-width space, word joiner, BOM, soft hyphen, invisible operators...;
//   - lone surrogates, private-use and unassigned code points (noncharacters among them);
//   - line and paragraph separators in single-line text.
// Zero-width joiner and non-joiner are kept between two visible characters: emoji sequences and several scripts
// (Persian, the Indic ones) need them there, and there they change no order.
const JOINERS_IN_PLACE = /(?<=[^\p{C}\s])[\u200C\u200D](?=[^\p{C}\s])/gu;
const CONTROL = /\p{Cc}|\p{Cs}/u;
const CONTROL_MULTILINE = /(?![\t\n\r])\p{Cc}|\p{Cs}/u;
const INVISIBLE = /\p{Cf}|\p{Co}|\p{Cn}/u;
const LINE_SEPARATORS = /[\u2028\u2029]/u;

/** Whether a single-line value holds control characters or lone surrogates (NUL among them). */
export const hasControlCharacters = (value: string): boolean => CONTROL.test(value);

/** Whether a value holds characters the text rule refuses as invisible or order-changing (see above). */
export const hasInvisibleCharacters = (value: string): boolean =>
  INVISIBLE.test(value.replace(JOINERS_IN_PLACE, ""));

export interface TextRule {
  readonly min: number;
  readonly max: number;
  /** Allows tab, newline and carriage return (and line separators). */
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
  else if (hasInvisibleCharacters(value) || (!rule.multiline && LINE_SEPARATORS.test(value)))
    v.add(field, "must not contain invisible or direction-changing characters (bidi controls, zero-width)");
}
