// A time zone's calendar, read through Intl (ICU's copy of the IANA database). The rules for local times that
// do not exist or exist twice mirror PostgreSQL's, because the database buckets sales by the same calendar:
// a time in a spring-forward gap takes the offset in force before the change; a time that occurs twice (fall
// back) takes the offset in force after it. See docs/analytics.md.

/** A wall-clock date in some zone; month 1-12. */
export interface LocalDate {
  readonly year: number;
  readonly month: number;
  readonly day: number;
}

const HOUR_MS = 3_600_000;

// Names as the tz database spells them ("Europe/Berlin", "UTC", "Etc/GMT+5"). Bare offsets and POSIX rules
// ("+05:30", "UTC+3") are refused: PostgreSQL reads POSIX offsets with the opposite sign to ISO 8601.
const ZONE_NAME = /^(?:[A-Za-z_][A-Za-z_-]*(?:\/[A-Za-z_][A-Za-z0-9_-]*)*|Etc\/GMT[+-]\d{1,2})$/;

export class ZoneCalendar {
  private static readonly known = new Map<string, ZoneCalendar>();

  /** The calendar of an IANA zone, or undefined when the name is not one. */
  static of(name: string): ZoneCalendar | undefined {
    const cached = ZoneCalendar.known.get(name);
    if (cached) return cached;
    if (name.length > 64 || !ZONE_NAME.test(name)) return undefined;
    let format: Intl.DateTimeFormat;
    try {
      format = new Intl.DateTimeFormat("en-US", {
        timeZone: name,
        hourCycle: "h23",
        year: "numeric",
        month: "numeric",
        day: "numeric",
        hour: "numeric",
        minute: "numeric",
        second: "numeric",
      });
    } catch {
      return undefined;
    }
    const calendar = new ZoneCalendar(format.resolvedOptions().timeZone, format);
    // Bounded: only names Intl accepts are kept, and there are a few hundred of them.
    ZoneCalendar.known.set(name, calendar);
    return calendar;
  }

  private constructor(
    /** The zone's canonical name. */
    readonly name: string,
    private readonly format: Intl.DateTimeFormat,
  ) {}

  /** The wall-clock time at `instantMs`, as milliseconds of a UTC clock showing the same time. */
  private wallClockMs(instantMs: number): number {
    const parts: Record<string, number> = {};
    for (const part of this.format.formatToParts(instantMs)) {
      if (part.type !== "literal") parts[part.type] = Number(part.value);
    }
    const { year = 0, month = 1, day = 1, hour = 0, minute = 0, second = 0 } = parts;
    // Intl drops the milliseconds; put them back so the offset comes out whole.
    const ms = ((instantMs % 1000) + 1000) % 1000;
    const wall = new Date(0);
    wall.setUTCFullYear(year, month - 1, day);
    wall.setUTCHours(hour, minute, second, ms);
    return wall.getTime();
  }

  /** Offset from UTC at an instant, in milliseconds (east positive). */
  offsetAt(instantMs: number): number {
    return this.wallClockMs(instantMs) - instantMs;
  }

  localDateOf(instant: Date): LocalDate {
    const wall = new Date(this.wallClockMs(instant.getTime()));
    return { year: wall.getUTCFullYear(), month: wall.getUTCMonth() + 1, day: wall.getUTCDate() };
  }

  /** The instant of midnight starting `date` here (see the file's note for gaps and repeats). */
  startOfDay(date: LocalDate): Date {
    const wall = new Date(0);
    wall.setUTCFullYear(date.year, date.month - 1, date.day);
    const wallMs = wall.getTime();
    // Offsets change at most once in a few hours around any wall time, so the offsets half a day either side
    // are the only candidates.
    const before = this.offsetAt(wallMs - 12 * HOUR_MS);
    const after = this.offsetAt(wallMs + 12 * HOUR_MS);
    const withAfter = wallMs - after;
    if (this.wallClockMs(withAfter) === wallMs) return new Date(withAfter);
    // Either `before` is the only offset giving this wall time, or there is none (a gap): both take `before`.
    return new Date(wallMs - before);
  }
}
