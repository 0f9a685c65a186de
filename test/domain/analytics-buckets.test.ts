import { Temporal } from "@js-temporal/polyfill";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { Bucket, TimeRange } from "../../src/domain/analytics/bucket.js";
import { bucketBoundaries, countBuckets } from "../../src/domain/analytics/bucket-boundaries.js";
import { ZoneCalendar } from "../../src/domain/analytics/time-zone.js";

// Bucket boundaries checked against the Temporal polyfill, an implementation of the calendar independent of
// the domain's (which reads offsets through Intl): every bucket after the first starts at the local midnight
// Temporal computes, days, weeks (ISO, Monday), months and years alike.

const HOUR = 3_600_000;

function zone(name: string): ZoneCalendar {
  const calendar = ZoneCalendar.of(name);
  if (!calendar) throw new Error(`unknown zone ${name}`);
  return calendar;
}

const at = (iso: string) => new Date(Temporal.Instant.from(iso).epochMilliseconds);
const rangeOf = (start: string, end: string): TimeRange => ({ start: at(start), end: at(end) });

/** The bucket starts of `range` by Temporal: the range's start, then every local midnight of a new bucket. */
function referenceStarts(range: TimeRange, bucket: Bucket, zoneName: string): number[] {
  const starts = [range.start.getTime()];
  if (bucket === "NONE") return starts;
  const local = Temporal.Instant.fromEpochMilliseconds(range.start.getTime()).toZonedDateTimeISO(zoneName);
  let date = local.toPlainDate();
  if (bucket === "WEEK") date = date.subtract({ days: date.dayOfWeek - 1 });
  if (bucket === "MONTH") date = date.with({ day: 1 });
  if (bucket === "YEAR") date = date.with({ month: 1, day: 1 });
  const step = { DAY: { days: 1 }, WEEK: { weeks: 1 }, MONTH: { months: 1 }, YEAR: { years: 1 } }[bucket];
  for (;;) {
    date = date.add(step);
    const start = date.toZonedDateTime({ timeZone: zoneName }).epochMilliseconds;
    if (start >= range.end.getTime()) return starts;
    starts.push(start);
  }
}

function expectMatchesReference(range: TimeRange, bucket: Bucket, zoneName: string) {
  const buckets = bucketBoundaries(range, bucket, zone(zoneName));
  expect(buckets.map((b) => b.start.getTime())).toEqual(referenceStarts(range, bucket, zoneName));
  expect(buckets.length).toBe(countBuckets(range, bucket, zone(zoneName)));
  return buckets;
}

const hoursOf = (b: { start: Date; end: Date }) => (b.end.getTime() - b.start.getTime()) / HOUR;

describe("bucket boundaries", () => {
  it("gives a 23-hour and a 25-hour day at Berlin's DST changes", () => {
    const spring = expectMatchesReference(
      rangeOf("2024-03-30T00:00+01:00[Europe/Berlin]", "2024-04-01T00:00+02:00[Europe/Berlin]"),
      "DAY",
      "Europe/Berlin",
    );
    expect(spring.map(hoursOf)).toEqual([24, 23]);
    const autumn = expectMatchesReference(
      rangeOf("2024-10-26T00:00+02:00[Europe/Berlin]", "2024-10-28T00:00+01:00[Europe/Berlin]"),
      "DAY",
      "Europe/Berlin",
    );
    expect(autumn.map(hoursOf)).toEqual([24, 25]);
  });

  it("follows New York across both DST changes of a year, month by month and day by day", () => {
    const range = rangeOf(
      "2024-01-01T00:00-05:00[America/New_York]",
      "2025-01-01T00:00-05:00[America/New_York]",
    );
    const months = expectMatchesReference(range, "MONTH", "America/New_York");
    expect(months).toHaveLength(12);
    const days = expectMatchesReference(range, "DAY", "America/New_York");
    expect(days).toHaveLength(366);
    expect(days.filter((d) => hoursOf(d) === 23)).toHaveLength(1);
    expect(days.filter((d) => hoursOf(d) === 25)).toHaveLength(1);
  });

  it("starts the day at 01:00 where DST begins at midnight (Santiago, 2022-09-11)", () => {
    const days = expectMatchesReference(
      rangeOf("2022-09-10T00:00-04:00", "2022-09-13T00:00-03:00"),
      "DAY",
      "America/Santiago",
    );
    expect(days[1]?.start.toISOString()).toBe("2022-09-11T04:00:00.000Z"); // 01:00 -03:00
    expect(days.map(hoursOf)).toEqual([24, 23, 24]);
  });

  it("cuts days at local midnight in zones 30 and 45 minutes off the hour", () => {
    for (const name of ["Asia/Kolkata", "Asia/Kathmandu", "Australia/Adelaide", "Pacific/Chatham"]) {
      const days = expectMatchesReference(rangeOf("2024-03-29T10:00Z", "2024-04-12T10:00Z"), "DAY", name);
      expect(days[1]?.start.getTime()).not.toBe(at("2024-03-30T00:00Z").getTime());
    }
    const kathmandu = expectMatchesReference(
      rangeOf("2024-06-01T00:00Z", "2024-06-03T00:00Z"),
      "DAY",
      "Asia/Kathmandu",
    );
    expect(kathmandu[1]?.start.toISOString()).toBe("2024-06-01T18:15:00.000Z");
  });

  it("knows leap years: 29 February 2024, a 366-day 2024, and no 29 February in 2100", () => {
    const feb2024 = expectMatchesReference(rangeOf("2024-02-01T00:00Z", "2024-03-01T00:00Z"), "DAY", "UTC");
    expect(feb2024).toHaveLength(29);
    const feb2100 = expectMatchesReference(rangeOf("2100-02-01T00:00Z", "2100-03-01T00:00Z"), "DAY", "UTC");
    expect(feb2100).toHaveLength(28);
    const years = expectMatchesReference(rangeOf("2023-01-01T00:00Z", "2026-01-01T00:00Z"), "YEAR", "UTC");
    expect(years.map((y) => hoursOf(y) / 24)).toEqual([365, 366, 365]);
    expectMatchesReference(rangeOf("2024-01-15T00:00Z", "2024-04-15T00:00Z"), "MONTH", "Europe/Lisbon");
  });

  it("clips the first and last bucket when the range starts and ends mid-bucket", () => {
    const months = expectMatchesReference(
      rangeOf("2024-05-15T13:00Z", "2024-08-10T09:30Z"),
      "MONTH",
      "Europe/Paris",
    );
    expect(months.map((m) => [m.start.toISOString(), m.end.toISOString()])).toEqual([
      ["2024-05-15T13:00:00.000Z", "2024-05-31T22:00:00.000Z"],
      ["2024-05-31T22:00:00.000Z", "2024-06-30T22:00:00.000Z"],
      ["2024-06-30T22:00:00.000Z", "2024-07-31T22:00:00.000Z"],
      ["2024-07-31T22:00:00.000Z", "2024-08-10T09:30:00.000Z"],
    ]);
  });

  it("starts ISO weeks on Monday, across a year end (2024-12-30 begins week 1 of 2025)", () => {
    const weeks = expectMatchesReference(rangeOf("2024-12-22T12:00Z", "2025-01-12T00:00Z"), "WEEK", "UTC");
    expect(weeks.map((w) => w.start.toISOString())).toEqual([
      "2024-12-22T12:00:00.000Z",
      "2024-12-23T00:00:00.000Z",
      "2024-12-30T00:00:00.000Z",
      "2025-01-06T00:00:00.000Z",
    ]);
  });

  it("makes one bucket of the whole range for NONE", () => {
    const range = rangeOf("2024-01-01T00:00Z", "2030-01-01T00:00Z");
    expect(bucketBoundaries(range, "NONE", zone("Asia/Tokyo"))).toEqual([range]);
    expect(countBuckets(range, "NONE", zone("Asia/Tokyo"))).toBe(1);
  });

  it("refuses names that are not IANA zones, offsets and POSIX rules among them", () => {
    for (const name of ["Mars/Olympus", "", "+05:30", "UTC+3", "Europe/Berlin; drop table", "x".repeat(100)])
      expect(ZoneCalendar.of(name), name).toBeUndefined();
    expect(ZoneCalendar.of("europe/berlin")?.name).toBe("Europe/Berlin");
    expect(ZoneCalendar.of("Etc/GMT+5")?.offsetAt(0)).toBe(-5 * HOUR);
  });
});

const ZONES = [
  "UTC",
  "Europe/Berlin",
  "Europe/London",
  "America/New_York",
  "America/Los_Angeles",
  "America/Santiago",
  "America/Sao_Paulo",
  "Asia/Kolkata",
  "Asia/Kathmandu",
  "Australia/Adelaide",
  "Australia/Lord_Howe",
  "Pacific/Chatham",
  "Africa/Casablanca",
];
const BUCKETS: Bucket[] = ["NONE", "DAY", "WEEK", "MONTH", "YEAR"];
const MAX_SPAN: Record<Bucket, number> = {
  NONE: 20 * 365 * 24 * HOUR,
  DAY: 400 * 24 * HOUR,
  WEEK: 3 * 365 * 24 * HOUR,
  MONTH: 10 * 365 * 24 * HOUR,
  YEAR: 30 * 365 * 24 * HOUR,
};

const requests = fc
  .record({
    start: fc.integer({ min: Date.parse("1995-01-01"), max: Date.parse("2045-01-01") }),
    bucket: fc.constantFrom(...BUCKETS),
    zone: fc.constantFrom(...ZONES),
    fraction: fc.double({ min: 0, max: 1, noNaN: true }),
  })
  .map(({ start, bucket, zone, fraction }) => ({
    range: { start: new Date(start), end: new Date(start + 1 + Math.floor(fraction * MAX_SPAN[bucket])) },
    bucket,
    zone,
  }));

describe("bucket boundaries, for any range, bucket and zone", () => {
  it("tile the range: first at its start, each ending where the next starts, last at its end, none empty", () => {
    fc.assert(
      fc.property(requests, ({ range, bucket, zone: name }) => {
        const buckets = bucketBoundaries(range, bucket, zone(name));
        expect(buckets[0]?.start).toEqual(range.start);
        expect(buckets[buckets.length - 1]?.end).toEqual(range.end);
        buckets.forEach((b, i) => {
          expect(b.end.getTime()).toBeGreaterThan(b.start.getTime());
          if (i > 0) expect(b.start).toEqual(buckets[i - 1]?.end);
        });
        expect(buckets.length).toBe(countBuckets(range, bucket, zone(name)));
      }),
      { numRuns: 200 },
    );
  });

  it("start every bucket after the first at the local midnight Temporal computes", () => {
    fc.assert(
      fc.property(requests, ({ range, bucket, zone: name }) => {
        expect(bucketBoundaries(range, bucket, zone(name)).map((b) => b.start.getTime())).toEqual(
          referenceStarts(range, bucket, name),
        );
      }),
      { numRuns: 150 },
    );
  });
});
