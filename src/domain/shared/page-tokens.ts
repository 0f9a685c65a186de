import { InvalidArgument } from "./errors.js";
import type { Page } from "./page.js";

/** One value of a keyset cursor: the sort key of the last row of a page, then its id. */
export type CursorValue = string | number;

/**
 * Turns keyset cursors into opaque page tokens and back. A token is bound to its query's `scope` (which list,
 * its filters and its order) and sealed, so a forged, truncated or altered token, or one from another query,
 * is refused instead of paging from an arbitrary place.
 */
export interface PageTokens {
  seal(scope: string, cursor: readonly CursorValue[]): string;
  /** Throws InvalidArgument on `field` when the token is not one this service issued for `scope`. */
  open(field: string, scope: string, token: string): readonly CursorValue[];
}

type KindOf<T> = T extends "string" ? string : number;
type Cursor<K extends readonly ("string" | "number")[]> = { -readonly [I in keyof K]: KindOf<K[I]> };

/**
 * The cursor in `token` (undefined for an empty token, i.e. the first page), checked to have the shape the
 * caller's query seals, so a token sealed by an older release of the query is refused, not misread.
 */
export function openCursor<const K extends readonly ("string" | "number")[]>(
  tokens: PageTokens,
  field: string,
  scope: string,
  token: string,
  kinds: K,
): Cursor<K> | undefined {
  if (token === "") return undefined;
  const values = tokens.open(field, scope, token);
  const fits = values.length === kinds.length && values.every((value, i) => typeof value === kinds[i]);
  if (!fits) throw InvalidArgument.field(field, "is not a page token of this query");
  return values as unknown as Cursor<K>;
}

/**
 * A page from rows fetched with one more than `size`: the extra row only says whether another page exists,
 * and the token points after the last row returned.
 */
export function sealedPage<T>(
  tokens: PageTokens,
  scope: string,
  rows: readonly T[],
  size: number,
  cursorOf: (last: T) => readonly CursorValue[],
): Page<T> {
  const items = rows.slice(0, size);
  const last = items[items.length - 1];
  if (rows.length <= size || last === undefined) return { items };
  return { items, nextCursor: tokens.seal(scope, cursorOf(last)) };
}
