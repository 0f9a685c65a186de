import type { Bucket, TimeRange } from "./bucket.js";
import type { LocalDate, ZoneCalendar } from "./time-zone.js";

// Where a report's buckets start and end. The database cuts the same way (date_trunc on the zone's wall clock);
// this is the rule written out, used to refuse oversized requests before any query, and by the tests as the
// reference the SQL is checked against.

export interface BucketSpan {
  readonly start: Date;
  readonly end: Date;
}

// 1970-01-01 was a Thursday; ISO weeks start on Monday, three days earlier.
const DAYS_FROM_MONDAY_AT_EPOCH = 3;

/** Midnight UTC of a date; not Date.UTC, which reads years 0-99 as 1900-1999. */
function utcMidnight(d: LocalDate): Date {
  const date = new Date(0);
  date.setUTCFullYear(d.year, d.month - 1, d.day);
  return date;
}

const dayNumber = (d: LocalDate): number => utcMidnight(d).getTime() / 86_400_000;

/** A number per bucket, increasing by one from each bucket to the next. */
function bucketNumber(d: LocalDate, bucket: Exclude<Bucket, "NONE">): number {
  switch (bucket) {
    case "DAY":
      return dayNumber(d);
    case "WEEK":
      return Math.floor((dayNumber(d) + DAYS_FROM_MONDAY_AT_EPOCH) / 7);
    case "MONTH":
      return d.year * 12 + (d.month - 1);
    case "YEAR":
      return d.year;
  }
}

/** How many buckets cut `range`, computed from two dates (so an absurd range costs nothing). */
export function countBuckets(range: TimeRange, bucket: Bucket, zone: ZoneCalendar): number {
  if (bucket === "NONE") return 1;
  const first = zone.localDateOf(range.start);
  const last = zone.localDateOf(new Date(range.end.getTime() - 1));
  return bucketNumber(last, bucket) - bucketNumber(first, bucket) + 1;
}

/** The local date on which the bucket holding `d` begins. */
function truncate(d: LocalDate, bucket: Exclude<Bucket, "NONE">): LocalDate {
  switch (bucket) {
    case "DAY":
      return d;
    case "WEEK": {
      const day = dayNumber(d);
      const monday = new Date((day - ((day + DAYS_FROM_MONDAY_AT_EPOCH) % 7)) * 86_400_000);
      return { year: monday.getUTCFullYear(), month: monday.getUTCMonth() + 1, day: monday.getUTCDate() };
    }
    case "MONTH":
      return { year: d.year, month: d.month, day: 1 };
    case "YEAR":
      return { year: d.year, month: 1, day: 1 };
  }
}

function next(d: LocalDate, bucket: Exclude<Bucket, "NONE">): LocalDate {
  const date = utcMidnight(d);
  if (bucket === "DAY") date.setUTCDate(date.getUTCDate() + 1);
  else if (bucket === "WEEK") date.setUTCDate(date.getUTCDate() + 7);
  else if (bucket === "MONTH") date.setUTCMonth(date.getUTCMonth() + 1);
  else date.setUTCFullYear(date.getUTCFullYear() + 1);
  return { year: date.getUTCFullYear(), month: date.getUTCMonth() + 1, day: date.getUTCDate() };
}

/**
 * The buckets of `range` in order: each starts at a local midnight of the zone (the first at range.start),
 * ends where the next starts (the last at range.end), so together they tile the range.
 */
export function bucketBoundaries(range: TimeRange, bucket: Bucket, zone: ZoneCalendar): BucketSpan[] {
  if (bucket === "NONE") return [{ start: range.start, end: range.end }];
  const starts: Date[] = [range.start];
  let date = next(truncate(zone.localDateOf(range.start), bucket), bucket);
  for (;;) {
    const start = zone.startOfDay(date);
    if (start.getTime() >= range.end.getTime()) break;
    if (start.getTime() > range.start.getTime()) starts.push(start);
    date = next(date, bucket);
  }
  return starts.map((start, i) => ({ start, end: starts[i + 1] ?? range.end }));
}
