import { DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE } from "./page.js";
import type { Violations } from "./violations.js";

/** Above this a page size is not a request for "as many as allowed" but nonsense, and is refused. */
const ABSURD_PAGE_SIZE = 1000;

/**
 * 0 (unset) means the default; sizes above the cap are lowered to it (AIP-158), but a negative or absurd size
 * is refused so a caller's bug is seen rather than silently paged.
 */
export function pageSizeOf(v: Violations, field: string, requested: number): number {
  if (!Number.isInteger(requested) || requested < 0 || requested > ABSURD_PAGE_SIZE) {
    v.add(field, `must be between 0 and ${ABSURD_PAGE_SIZE} (pages hold at most ${MAX_PAGE_SIZE})`);
    return DEFAULT_PAGE_SIZE;
  }
  if (requested === 0) return DEFAULT_PAGE_SIZE;
  return Math.min(requested, MAX_PAGE_SIZE);
}
