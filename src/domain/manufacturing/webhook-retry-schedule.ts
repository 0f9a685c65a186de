// When a failed delivery is tried again. Svix's schedule is the bar: at once, then 5 s, 5 min, 30 min, 2 h,
// 5 h, 10 h, 10 h after the previous attempt. WEBHOOK_RETRY_BASE scales the whole schedule (its first retry
// is the base; tests use 100ms), WEBHOOK_RETRY_MAX_AGE bounds how long after the first attempt anything is
// tried: the last attempt is pulled in to land at that age, so a delivery is always tried once at the end
// of its window (24 h by default: 8 attempts, the last at 24 h) and then dead-lettered.

/** Delays after each attempt of Svix's schedule; index 0 is the first attempt itself (at once). */
export const SVIX_DELAYS_MS = [
  0,
  5_000,
  5 * 60_000,
  30 * 60_000,
  2 * 3_600_000,
  5 * 3_600_000,
  10 * 3_600_000,
  10 * 3_600_000,
] as const;

/** Attempts a delivery gets in one round (first send or a redelivery). */
export const MAX_ATTEMPTS = SVIX_DELAYS_MS.length;

/** Each delay is moved by up to this fraction either way, so deliveries that failed together spread out. */
const JITTER = 0.1;

export interface RetrySchedule {
  /** The first retry delay (Svix: 5 s); the rest of the schedule scales with it. */
  readonly baseMs: number;
  /** Nothing is tried later than this after a round's first attempt. */
  readonly maxAgeMs: number;
}

export const DEFAULT_RETRY_SCHEDULE: RetrySchedule = { baseMs: 5_000, maxAgeMs: 24 * 3_600_000 };

export interface RetryInput {
  /** Attempts made in this round, the one that just failed included (1 after the first). */
  readonly attemptsMade: number;
  /** When the round's first attempt was due. */
  readonly roundStart: Date;
  readonly now: Date;
  /** The receiver's Retry-After, in milliseconds: a retry is never sooner. */
  readonly retryAfterMs?: number | undefined;
  /** Makes the jitter of one delivery's retries stable (the same after a crash) and different from others'. */
  readonly jitterSeed: string;
}

/** When to try again, or undefined when the round is over and the delivery is dead-lettered. */
export function nextAttemptTime(schedule: RetrySchedule, input: RetryInput): Date | undefined {
  const { attemptsMade, roundStart, now } = input;
  if (attemptsMade >= MAX_ATTEMPTS) return undefined;
  const deadline = roundStart.getTime() + schedule.maxAgeMs;
  if (now.getTime() >= deadline) return undefined;
  const planned = (SVIX_DELAYS_MS[attemptsMade] ?? 0) * (schedule.baseMs / SVIX_DELAYS_MS[1]);
  const jittered = planned * (1 + JITTER * (2 * fraction(`${input.jitterSeed}:${attemptsMade}`) - 1));
  const delay = Math.max(jittered, input.retryAfterMs ?? 0);
  const last = attemptsMade === MAX_ATTEMPTS - 1;
  // The final attempt of the schedule, or any that would fall past the window, is made at the window's end.
  const at = last ? Math.max(deadline, now.getTime() + delay) : now.getTime() + delay;
  return new Date(Math.min(at, deadline));
}

/** A stable number in [0, 1) from a string (FNV-1a), so jitter needs no random source. */
function fraction(seed: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < seed.length; i++) {
    hash ^= seed.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return (hash >>> 0) / 0x1_0000_0000;
}
