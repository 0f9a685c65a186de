/** How a sales report cuts its range: one slice, or the calendar units of its time zone. */
export type Bucket = "NONE" | "DAY" | "WEEK" | "MONTH" | "YEAR";

/** A report answers with every bucket, empty ones too; beyond this many it is a mistake, not a question. */
export const MAX_BUCKETS = 10_000;

/** A half-open range of instants [start, end). */
export interface TimeRange {
  readonly start: Date;
  readonly end: Date;
}
