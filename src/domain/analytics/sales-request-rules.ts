import { checkId } from "../shared/id-format.js";
import type { Violations } from "../shared/violations.js";
import type { TimeRange } from "./bucket.js";

/** More ids than this in one filter is refused: the query takes them as one array parameter. */
export const MAX_FILTER_IDS = 1_000;

/** Proto timestamps reach from year 1 to 9999; the calendars here are checked over the same span. */
const EARLIEST = Date.parse("0001-01-01T00:00:00Z");
const LATEST = Date.parse("9999-12-31T23:59:59.999Z");

/** A required half-open range: both ends present, in the supported span, the end after the start. */
export function checkRange(
  v: Violations,
  start: Date | undefined,
  end: Date | undefined,
): TimeRange | undefined {
  const inSpan = (d: Date) => d.getTime() >= EARLIEST && d.getTime() <= LATEST;
  if (!start) v.add("start_time", "is required");
  else if (!inSpan(start)) v.add("start_time", "must be between the years 1 and 9999");
  if (!end) v.add("end_time", "is required");
  else if (!inSpan(end)) v.add("end_time", "must be between the years 1 and 9999");
  if (!start || !end || !inSpan(start) || !inSpan(end)) return undefined;
  if (end.getTime() <= start.getTime()) {
    v.add("end_time", "must be after start_time");
    return undefined;
  }
  return { start, end };
}

/** An optional list of ids: at most MAX_FILTER_IDS, each well formed; returned lower-cased, sorted, unique. */
export function checkIdList(v: Violations, field: string, ids: readonly string[]): string[] {
  if (ids.length > MAX_FILTER_IDS) {
    v.add(field, `must hold at most ${MAX_FILTER_IDS} ids`);
    return [];
  }
  const checked = new Set<string>();
  ids.forEach((id, i) => {
    checked.add(checkId(v, `${field}[${i}]`, id));
  });
  return [...checked].sort();
}
