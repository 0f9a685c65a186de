import { randomUUID } from "node:crypto";
import type { LoginAdmission, LoginSubject, LoginThrottle } from "../../domain/identity/ports.js";
import type { Sql } from "./database.js";

export interface LoginThrottleLimits {
  /** Failures per account from anywhere before its attempts are spaced out by growing delays. */
  readonly perAccount: number;
  /** Failures per account from one client network before that network is refused for the window. */
  readonly perAccountAndAddress: number;
  /** Failures per client network over all accounts before it is refused for the window. */
  readonly perAddress: number;
  readonly windowSeconds: number;
  /** The longest delay between attempts on a slowed account (1 s, doubling per failure, up to this). */
  readonly maxDelaySeconds: number;
}

interface Counted {
  readonly key: string;
  readonly failures: number;
  readonly pending: number;
}

/**
 * Fixed-window counters in PostgreSQL (login_failures), so every instance enforces one shared limit.
 *
 * Three keys per attempt. The client network's own keys ("address:", and "pair:" for this account from this
 * network) are hard: past their limit that network is refused until the window ends. The account's key
 * ("account:") is soft: past its limit nobody is refused for the window, but attempts are admitted one per
 * delay slot (1 s, doubling with each failure, at most `maxDelaySeconds`), so guessing from many networks is
 * slowed to a crawl while the owner, from anywhere, gets in after a short wait. The hard keys are checked
 * first, so a network refused by them cannot use up the account's slots.
 *
 * Each admission is one upsert per key that adds the attempt to `pending` and reads the totals (and, for the
 * account, claims the next slot under the row lock), so concurrent attempts each see the others. One row per
 * statement: no statement holds two of these row locks, so attempts on overlapping keys cannot deadlock.
 * An instance that dies while checking a password leaves its attempt pending until the window ends.
 *
 * Not rate-limiter-flexible: its PostgreSQL store drives the `pg` driver (or an ORM), not postgres.js; its
 * memory store would give each instance its own budget; and none of its limiters counts attempts in flight,
 * which is what keeps parallel guesses from slipping past a limit.
 */
export class PostgresLoginThrottle implements LoginThrottle {
  constructor(
    private readonly sql: Sql,
    private readonly limits: LoginThrottleLimits,
  ) {}

  async admit(subject: LoginSubject): Promise<LoginAdmission> {
    const windowStart = this.windowStart();
    const hard: Array<[string, number]> = [];
    if (subject.addressGroup) {
      hard.push([`address:${subject.addressGroup}`, this.limits.perAddress]);
      hard.push([`pair:${subject.account}|${subject.addressGroup}`, this.limits.perAccountAndAddress]);
    }
    const counted: Counted[] = [];
    for (const [key, limit] of hard) {
      const [row] = await this.sql<Counted[]>`
        insert into login_failures (key, window_start, pending) values (${key}, ${windowStart}, 1)
        on conflict (key, window_start) do update set pending = login_failures.pending + 1
        returning key, failures, pending`;
      if (!row) continue;
      counted.push(row);
      if (row.failures >= limit) return this.refuse(counted, windowStart, "failures", this.windowLeft());
      if (row.failures + row.pending > limit) return this.refuse(counted, windowStart, "busy", 1);
    }

    const soft = this.limits.perAccount;
    const claim = randomUUID();
    const now = new Date();
    // Past the soft limit, an attempt takes the slot when it is due and moves the next one out by
    // 1 s * 2^(attempts past the limit - 1), capped.
    const claimsSlot = this.sql`
      login_failures.failures + login_failures.pending + 1 > ${soft}
      and coalesce(login_failures.next_attempt_at, '-infinity'::timestamptz) <= ${now}`;
    const delaySeconds = this.sql`
      least(${this.limits.maxDelaySeconds}::float8,
            power(2, greatest(0, login_failures.failures + login_failures.pending - ${soft}))::float8)`;
    const [account] = await this.sql<(Counted & { next_attempt_at: Date | null; claimed: boolean })[]>`
      insert into login_failures (key, window_start, pending)
      values (${`account:${subject.account}`}, ${windowStart}, 1)
      on conflict (key, window_start) do update set
        pending = login_failures.pending + 1,
        next_attempt_at = case when ${claimsSlot}
                               then ${now}::timestamptz + make_interval(secs => ${delaySeconds})
                               else login_failures.next_attempt_at end,
        slot_claim = case when ${claimsSlot} then ${claim}::uuid else login_failures.slot_claim end
      returning key, failures, pending, next_attempt_at, coalesce(slot_claim = ${claim}::uuid, false) as claimed`;
    if (!account) return this.refuse(counted, windowStart, "busy", 1);
    counted.push(account);
    if (account.failures + account.pending <= soft || account.claimed) {
      return { admitted: true, finish: (failure) => this.release(counted, windowStart, failure) };
    }
    const dueInMs = (account.next_attempt_at?.getTime() ?? now.getTime()) - now.getTime();
    return this.refuse(counted, windowStart, "delayed", Math.max(1, Math.ceil(dueInMs / 1000)));
  }

  private async refuse(
    counted: readonly Counted[],
    windowStart: Date,
    reason: "failures" | "delayed" | "busy",
    retryAfterSeconds: number,
  ): Promise<LoginAdmission> {
    await this.release(counted, windowStart, false);
    return { admitted: false, reason, retryAfterSeconds };
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

  private windowLeft(): number {
    const end = this.windowStart().getTime() + this.limits.windowSeconds * 1000;
    return Math.max(1, Math.ceil((end - Date.now()) / 1000));
  }

  private windowStart(): Date {
    const ms = this.limits.windowSeconds * 1000;
    return new Date(Math.floor(Date.now() / ms) * ms);
  }
}
