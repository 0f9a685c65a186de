import type { SignUpThrottle } from "../../domain/identity/ports.js";
import type { Sql } from "./database.js";

export interface SignUpLimits {
  /** Sign-ups per client network (an IPv4 address, an IPv6 /64) per window. */
  readonly perAddress: number;
  /** Sign-ups from everyone together per window: the ceiling on the hashing a flood can cause. */
  readonly total: number;
  readonly windowSeconds: number;
}

/**
 * Fixed-window sign-up counters in request_counts, shared by every instance and exact: a sign-up is about to
 * hash a password (tens of milliseconds of CPU), so one upsert per key is cheap beside it. An increment only
 * happens below the limit, so a refused flood does not keep pushing its own window's count.
 */
export class PostgresSignUpThrottle implements SignUpThrottle {
  constructor(
    private readonly sql: Sql,
    private readonly limits: SignUpLimits,
  ) {}

  async admit(
    addressGroup: string | undefined,
  ): Promise<{ admitted: true } | { admitted: false; retryAfterSeconds: number }> {
    const windowMs = this.limits.windowSeconds * 1000;
    const windowStart = new Date(Math.floor(Date.now() / windowMs) * windowMs);
    const keys: Array<[string, number]> = [["sign-up:total", this.limits.total]];
    if (addressGroup) keys.unshift([`sign-up:address:${addressGroup}`, this.limits.perAddress]);
    for (const [key, limit] of keys) {
      const counted = await this.sql`
        insert into request_counts (key, window_start, count) values (${key}, ${windowStart}, 1)
        on conflict (key, window_start) do update set count = request_counts.count + 1
        where request_counts.count < ${limit}
        returning 1`;
      if (counted.length === 0) {
        const left = Math.ceil((windowStart.getTime() + windowMs - Date.now()) / 1000);
        return { admitted: false, retryAfterSeconds: Math.max(1, left) };
      }
    }
    return { admitted: true };
  }
}
