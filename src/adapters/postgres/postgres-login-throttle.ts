import type { LoginAdmission, LoginThrottle } from "../../domain/identity/ports.js";
import type { Sql } from "./database.js";

export interface LoginThrottleLimits {
  /** Failures allowed per key prefix within one window, e.g. { account: 10, address: 100 }. */
  readonly maxFailures: Readonly<Record<string, number>>;
  readonly windowSeconds: number;
}

/**
 * Fixed-window counters in PostgreSQL, so every instance enforces one shared limit. Admission is one upsert
 * that adds the attempt to `pending` and reads the totals, so concurrent attempts each see the others.
 * An instance that dies while checking a password leaves its attempt pending until the window ends.
 * Not rate-limiter-flexible: its PostgreSQL store drives the `pg` driver, its memory store would give each
 * instance its own budget, and neither counts attempts in flight.
 */
export class PostgresLoginThrottle implements LoginThrottle {
  constructor(
    private readonly sql: Sql,
    private readonly limits: LoginThrottleLimits,
  ) {}

  async admit(keys: readonly string[]): Promise<LoginAdmission> {
    const windowStart = this.windowStart();
    // One row per statement: no statement ever holds two of these row locks, so concurrent attempts on
    // overlapping keys (the same address, the same account) cannot deadlock, whatever order they come in.
    const counted: { key: string; failures: number; pending: number }[] = [];
    for (const key of new Set(keys)) {
      const [row] = await this.sql<{ key: string; failures: number; pending: number }[]>`
        insert into login_failures (key, window_start, pending) values (${key}, ${windowStart}, 1)
        on conflict (key, window_start) do update set pending = login_failures.pending + 1
        returning key, failures, pending`;
      if (row) counted.push(row);
    }
    const failed = counted.some((r) => r.failures >= this.limitOf(r.key));
    const busy = counted.some((r) => r.failures + r.pending > this.limitOf(r.key));
    // Old windows are useless; drop them now and then rather than on a schedule (best effort).
    if (Math.random() < 0.01) {
      this.sql`delete from login_failures where window_start < ${windowStart}`.catch(() => {});
    }

    if (!failed && !busy) {
      return { admitted: true, finish: (failure) => this.release(counted, windowStart, failure) };
    }
    await this.release(counted, windowStart, false);
    const windowLeft = Math.ceil(
      (windowStart.getTime() + this.limits.windowSeconds * 1000 - Date.now()) / 1000,
    );
    return failed
      ? { admitted: false, reason: "failures", retryAfterSeconds: Math.max(1, windowLeft) }
      : { admitted: false, reason: "busy", retryAfterSeconds: 1 };
  }

  /** Takes the attempt off `pending` again, counting it as a failure when it was one. */
  private async release(
    rows: readonly { key: string }[],
    windowStart: Date,
    failure: boolean,
  ): Promise<void> {
    for (const { key } of rows) {
      await this.sql`
        update login_failures
        set pending = greatest(pending - 1, 0), failures = failures + ${failure ? 1 : 0}
        where key = ${key} and window_start = ${windowStart}`;
    }
  }

  private limitOf(key: string): number {
    const prefix = key.slice(0, key.indexOf(":"));
    return this.limits.maxFailures[prefix] ?? Number.POSITIVE_INFINITY;
  }

  private windowStart(): Date {
    const ms = this.limits.windowSeconds * 1000;
    return new Date(Math.floor(Date.now() / ms) * ms);
  }
}
