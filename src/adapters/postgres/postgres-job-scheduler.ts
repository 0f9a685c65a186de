import { randomUUID } from "node:crypto";
import type { Logger } from "pino";
import type {
  Job,
  JobHandlerOptions,
  JobPayload,
  JobRequest,
  JobScheduler,
  RetryPolicy,
} from "../../domain/shared/job-scheduler.js";
import type { StopHandle } from "../../domain/shared/stop-handle.js";
import type { Metrics } from "../observability/metrics.js";
import type { Sql } from "./database.js";
import { PostgresScheduledJobs } from "./postgres-scheduled-jobs.js";

export interface JobSchedulerOptions {
  /** Longest sleep between looks at the table: bounds how late a job scheduled by another instance starts. */
  readonly pollMs?: number;
  /**
   * How long a claim holds without renewal. A running job renews it every third of this; when its instance
   * dies the renewals stop and, once it lapses, another instance runs the job.
   */
  readonly leaseMs?: number;
  /** Jobs running at once on this instance. */
  readonly maxConcurrent?: number;
  readonly defaultRetry?: RetryPolicy;
}

/** 5 runs, 1 s doubling to at most 5 min: a job that cannot succeed goes dead within minutes. */
export const DEFAULT_JOB_RETRY: RetryPolicy = {
  maxAttempts: 5,
  delayMs: (attempt) => Math.min(300_000, 1000 * 2 ** (attempt - 1)),
};

/** The key of the single row of a periodic job. */
const PERIODIC_KEY = "every";

interface Registration {
  readonly handler: (job: Job) => Promise<void>;
  readonly retry: RetryPolicy;
  readonly concurrency?: number | undefined;
  readonly periodMs?: number | undefined;
  readonly running: Set<Promise<void>>;
  ensured: boolean;
}

interface ClaimedRow {
  id: number;
  name: string;
  key: string;
  payload: JobPayload;
  run_at: Date;
  period_ms: number | null;
  attempts: number;
}

interface ClaimedJob extends ClaimedRow {
  readonly claimId: string;
}

/**
 * Delayed and periodic jobs with their due times in PostgreSQL (scheduled_jobs), the same on PostgreSQL and
 * on the embedded PGlite. Chosen over JetStream (nats-server 2.9 has no message schedules or per-message TTL;
 * a work queue redelivered by `nak(delay)` keeps no queryable state and loses a job's delay when the message
 * is redelivered early) because the table gives dedupe by (name, key), scheduling inside the transaction of
 * the change that asks for it, an admin-visible dead state, and one implementation for both buses.
 *
 * A timer sleeps until the next due time (at most `pollMs`), then claims due rows with FOR UPDATE SKIP LOCKED
 * under a lease, runs them outside any transaction, and records success, a retry with backoff, or death,
 * guarded by the claim id so a runner whose lease lapsed cannot overwrite a later claim.
 */
export class PostgresJobScheduler implements JobScheduler {
  private readonly registrations = new Map<string, Registration>();
  private readonly jobs: PostgresScheduledJobs;
  private readonly pollMs: number;
  private readonly leaseMs: number;
  private readonly maxConcurrent: number;
  private readonly defaultRetry: RetryPolicy;
  private readonly inFlight = new Set<Promise<void>>();

  private started = false;
  private stopped = false;
  private pass: Promise<void> | undefined;
  private passAgain = false;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly sql: Sql,
    private readonly deps: { readonly logger: Logger; readonly metrics: Metrics },
    options: JobSchedulerOptions = {},
  ) {
    this.pollMs = options.pollMs ?? 1000;
    this.leaseMs = options.leaseMs ?? 60_000;
    this.maxConcurrent = options.maxConcurrent ?? 10;
    this.defaultRetry = options.defaultRetry ?? DEFAULT_JOB_RETRY;
    this.jobs = new PostgresScheduledJobs(sql, () => this.wake());
  }

  schedule(job: JobRequest): Promise<boolean> {
    return this.jobs.schedule(job);
  }

  cancel(name: string, key: string): Promise<boolean> {
    return this.jobs.cancel(name, key);
  }

  handle(name: string, handler: (job: Job) => Promise<void>, options: JobHandlerOptions = {}): StopHandle {
    if (options.concurrency !== undefined && !(options.concurrency >= 1)) {
      throw new RangeError(`concurrency of ${name} must be at least 1`);
    }
    return this.register(name, {
      handler,
      retry: options.retry ?? this.defaultRetry,
      concurrency: options.concurrency,
    });
  }

  every(name: string, periodMs: number, handler: (job: Job) => Promise<void>): StopHandle {
    if (!(periodMs > 0)) throw new RangeError(`period of ${name} must be positive`);
    return this.register(name, { handler, retry: this.defaultRetry, concurrency: 1, periodMs });
  }

  start(): void {
    if (this.started) return;
    this.started = true;
    this.wake();
  }

  /** Look at the table now (a job was scheduled, or one finished and made room). */
  wake(): void {
    if (!this.started || this.stopped) return;
    if (this.pass) {
      this.passAgain = true;
      return;
    }
    clearTimeout(this.timer);
    this.pass = this.runPass().finally(() => {
      this.pass = undefined;
      if (this.passAgain && !this.stopped) {
        this.passAgain = false;
        this.wake();
      }
    });
  }

  /** Takes no more jobs and waits for the running ones to record their outcome. */
  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.pass;
    await Promise.allSettled([...this.inFlight]);
  }

  private register(name: string, r: Omit<Registration, "running" | "ensured">): StopHandle {
    if (this.registrations.has(name)) throw new Error(`job ${name} already has a handler`);
    const registration: Registration = { ...r, running: new Set(), ensured: false };
    this.registrations.set(name, registration);
    this.wake();
    return {
      stop: async () => {
        if (this.registrations.get(name) === registration) this.registrations.delete(name);
        await Promise.allSettled([...registration.running]);
      },
    };
  }

  private async runPass(): Promise<void> {
    let sleepMs = this.pollMs;
    try {
      await this.ensurePeriodicRows();
      const names = [...this.registrations.keys()];
      if (names.length > 0) {
        // Names without their own limit are claimed together; each limited one on its own, up to its room.
        const claims: Array<[string[], number]> = [];
        const unlimited = names.filter((n) => this.registrations.get(n)?.concurrency === undefined);
        if (unlimited.length > 0) claims.push([unlimited, Number.POSITIVE_INFINITY]);
        for (const [name, r] of this.registrations) {
          if (r.concurrency !== undefined) claims.push([[name], r.concurrency - r.running.size]);
        }
        for (const [claimNames, limit] of claims) {
          const room = Math.min(limit, this.maxConcurrent - this.inFlight.size);
          if (room <= 0) continue;
          const claimed = await this.claim(claimNames, room);
          for (const row of claimed) this.run(row);
          // A full claim means more may be due now: look again as soon as this pass ends.
          if (claimed.length === room) this.passAgain = true;
        }
        // Sleep until the next job this instance has room for; a finishing job wakes it for the others.
        const open = names.filter((n) => this.hasRoom(n));
        if (open.length > 0) {
          const [next] = await this.sql<{ ms: number | null }[]>`
            select (extract(epoch from min(greatest(run_at, coalesce(claimed_until, run_at))) - now())
                    * 1000)::float8 as ms
            from scheduled_jobs s where state = 'pending' and name in ${this.sql(open)}
              and ${this.notBehindEarlier}`;
          if (typeof next?.ms === "number") sleepMs = Math.min(sleepMs, Math.max(0, next.ms));
        }
      }
    } catch (error) {
      this.deps.logger.warn({ err: error }, "job scheduler cannot reach the database; retrying");
    }
    if (!this.stopped) {
      // +5 ms so the due time has passed on the database's clock too when the timer fires.
      this.timer = setTimeout(() => this.wake(), Math.ceil(sleepMs) + 5);
      this.timer.unref();
    }
  }

  /**
   * A job with an ordering key waits while an earlier job of its name and key is pending (running or due
   * for a retry): the condition, on the row aliased `s`, used both to claim and to decide how long to sleep.
   */
  private get notBehindEarlier() {
    return this.sql`(s.ordering_key is null or not exists (
      select 1 from scheduled_jobs e
      where e.name = s.name and e.ordering_key = s.ordering_key and e.state = 'pending' and e.id < s.id))`;
  }

  private hasRoom(name: string): boolean {
    const r = this.registrations.get(name);
    if (!r || this.inFlight.size >= this.maxConcurrent) return false;
    return r.concurrency === undefined || r.running.size < r.concurrency;
  }

  private async ensurePeriodicRows(): Promise<void> {
    for (const [name, r] of this.registrations) {
      if (r.periodMs === undefined || r.ensured) continue;
      // Every instance registers the same periodic job; the first creates the row, the rest keep its
      // schedule (a changed period applies from the next run).
      await this.sql`
        insert into scheduled_jobs (name, key, run_at, period_ms)
        values (${name}, ${PERIODIC_KEY}, now(), ${r.periodMs})
        on conflict (name, key) do update set period_ms = excluded.period_ms, state = 'pending'
        where scheduled_jobs.period_ms is distinct from excluded.period_ms
           or scheduled_jobs.state <> 'pending'`;
      r.ensured = true;
    }
  }

  private async claim(names: string[], limit: number): Promise<ClaimedJob[]> {
    const claimId = randomUUID();
    const rows = await this.sql<ClaimedRow[]>`
      with due as (
        select id from scheduled_jobs s
        where state = 'pending' and name in ${this.sql(names)} and run_at <= now()
          and (claimed_until is null or claimed_until < now())
          and ${this.notBehindEarlier}
        order by run_at, id
        limit ${limit}
        for update skip locked
      )
      update scheduled_jobs j
      set attempts = j.attempts + 1, claim_id = ${claimId},
          claimed_until = now() + make_interval(secs => ${this.leaseMs / 1000})
      from due where j.id = due.id
      returning j.id, j.name, j.key, j.payload, j.run_at, j.period_ms, j.attempts`;
    return [...rows]
      .sort((a, b) => a.run_at.getTime() - b.run_at.getTime() || a.id - b.id)
      .map((r) => ({ ...r, claimId }));
  }

  private run(row: ClaimedJob): void {
    const registration = this.registrations.get(row.name);
    const { claimId } = row;
    const task = (async () => {
      if (!registration) {
        // Its handler was stopped between the claim and now: hand the job back untouched.
        await this.sql`
          update scheduled_jobs set claim_id = null, claimed_until = null, attempts = attempts - 1
          where id = ${row.id} and claim_id = ${claimId}`;
        return;
      }
      const job: Job = {
        name: row.name,
        key: row.key,
        payload: row.payload,
        runAt: row.run_at,
        attempt: row.attempts,
      };
      // A live instance keeps its lease while the handler runs, so only a dead instance's job moves on.
      const renewal = setInterval(() => {
        this.sql`
          update scheduled_jobs set claimed_until = now() + make_interval(secs => ${this.leaseMs / 1000})
          where id = ${row.id} and claim_id = ${claimId}`.catch(() => {});
      }, this.leaseMs / 3);
      let failure: unknown;
      try {
        await registration.handler(job);
      } catch (error) {
        failure = error ?? new Error("job failed");
      } finally {
        clearInterval(renewal);
      }
      await this.record(row, claimId, registration, failure);
    })()
      .catch((error: unknown) =>
        this.deps.logger.error(
          { err: error, job: row.name, key: row.key },
          "could not record a job's outcome; its lease will expire and it will run again",
        ),
      )
      .finally(() => {
        this.inFlight.delete(task);
        registration?.running.delete(task);
        this.wake();
      });
    this.inFlight.add(task);
    registration?.running.add(task);
  }

  private async record(
    row: ClaimedRow,
    claimId: string,
    registration: Registration,
    failure: unknown,
  ): Promise<void> {
    const { logger, metrics } = this.deps;
    const error = failure === undefined ? null : errorText(failure);
    if (row.period_ms !== null) {
      // The next period after now: a periodic job that was down for several periods runs once, not once
      // per missed period.
      await this.sql`
        update scheduled_jobs
        set run_at = run_at + make_interval(secs => period_ms / 1000.0 *
              (floor(extract(epoch from (now() - run_at)) * 1000 / period_ms) + 1)),
            attempts = 0, claim_id = null, claimed_until = null, last_error = ${error}
        where id = ${row.id} and claim_id = ${claimId}`;
      metrics.jobRuns.inc({ job: row.name, outcome: error === null ? "succeeded" : "failed" });
      if (error !== null)
        logger.warn({ err: failure, job: row.name }, "periodic job failed; next period runs");
      return;
    }
    if (error === null) {
      await this.sql`
        update scheduled_jobs
        set state = 'done', finish_time = now(), claim_id = null, claimed_until = null, last_error = null
        where id = ${row.id} and claim_id = ${claimId}`;
      metrics.jobRuns.inc({ job: row.name, outcome: "succeeded" });
      return;
    }
    if (row.attempts >= registration.retry.maxAttempts) {
      await this.sql`
        update scheduled_jobs
        set state = 'dead', finish_time = now(), claim_id = null, claimed_until = null, last_error = ${error}
        where id = ${row.id} and claim_id = ${claimId}`;
      metrics.jobRuns.inc({ job: row.name, outcome: "dead" });
      logger.error({ err: failure, job: row.name, key: row.key, attempts: row.attempts }, "job is dead");
      return;
    }
    const delayMs = registration.retry.delayMs(row.attempts);
    await this.sql`
      update scheduled_jobs
      set run_at = now() + make_interval(secs => ${delayMs / 1000}),
          claim_id = null, claimed_until = null, last_error = ${error}
      where id = ${row.id} and claim_id = ${claimId}`;
    metrics.jobRuns.inc({ job: row.name, outcome: "retried" });
    logger.warn({ err: failure, job: row.name, key: row.key, attempt: row.attempts, delayMs }, "job failed");
  }
}

const errorText = (error: unknown): string =>
  (error instanceof Error ? error.message || error.name : String(error)).slice(0, 2000);
