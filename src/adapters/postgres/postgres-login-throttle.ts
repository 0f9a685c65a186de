import type { LoginThrottle } from "../../domain/identity/ports.js";
import type { Sql } from "./database.js";

export interface LoginThrottleLimits {
  /** Failures allowed per key prefix within one window, e.g. { account: 10, address: 100 }. */
  readonly maxFailures: Readonly<Record<string, number>>;
  readonly windowSeconds: number;
}

/**
 * Fixed-window failure counters in PostgreSQL, so every instance enforces one shared limit.
 * Not rate-limiter-flexible: its PostgreSQL store drives the `pg` driver, and its memory store would give
 * each instance its own budget. One upsert per failure and one indexed read per attempt is all this needs.
 */
export class PostgresLoginThrottle implements LoginThrottle {
  constructor(
    private readonly sql: Sql,
    private readonly limits: LoginThrottleLimits,
  ) {}

  async begin(keys: readonly string[]): Promise<number> {
    const windowStart = this.windowStart();
    const rows = keys.map((key) => ({ key, window_start: windowStart, failures: 1 }));
    // One statement counts the attempt and reads the totals, so concurrent attempts each see their own count.
    const counted = await this.sql<{ key: string; failures: number }[]>`
      insert into login_failures ${this.sql(rows)}
      on conflict (key, window_start) do update set failures = login_failures.failures + 1
      returning key, failures`;
    // Old windows are useless; drop them now and then rather than on a schedule.
    if (Math.random() < 0.01) await this.sql`delete from login_failures where window_start < ${windowStart}`;
    if (!counted.some((r) => r.failures > this.limitOf(r.key))) return 0;
    return Math.max(
      1,
      Math.ceil((windowStart.getTime() + this.limits.windowSeconds * 1000 - Date.now()) / 1000),
    );
  }

  async forgive(keys: readonly string[]): Promise<void> {
    await this.sql`
      update login_failures set failures = failures - 1
      where window_start = ${this.windowStart()} and key in ${this.sql([...keys])} and failures > 0`;
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
