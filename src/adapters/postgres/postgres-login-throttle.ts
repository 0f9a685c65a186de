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
    const rows = keys.map((key) => ({ key, window_start: windowStart, pending: 1 }));
    const counted = await this.sql<{ key: string; failures: number; pending: number }[]>`
      insert into login_failures ${this.sql(rows)}
      on conflict (key, window_start) do update set pending = login_failures.pending + 1
      returning key, failures, pending`;
    // Old windows are useless; drop them now and then rather than on a schedule.
    if (Math.random() < 0.01) await this.sql`delete from login_failures where window_start < ${windowStart}`;

    const failed = counted.some((r) => r.failures >= this.limitOf(r.key));
    const busy = counted.some((r) => r.failures + r.pending > this.limitOf(r.key));
    if (!failed && !busy) {
      return {
        admitted: true,
        finish: async (failure) => {
          await this.sql`
            update login_failures
            set pending = greatest(pending - 1, 0), failures = failures + ${failure ? 1 : 0}
            where window_start = ${windowStart} and key in ${this.sql([...keys])}`;
        },
      };
    }
    await this.sql`
      update login_failures set pending = greatest(pending - 1, 0)
      where window_start = ${windowStart} and key in ${this.sql([...keys])}`;
    const windowLeft = Math.ceil(
      (windowStart.getTime() + this.limits.windowSeconds * 1000 - Date.now()) / 1000,
    );
    return failed
      ? { admitted: false, reason: "failures", retryAfterSeconds: Math.max(1, windowLeft) }
      : { admitted: false, reason: "busy", retryAfterSeconds: 1 };
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
