import type { StopHandle } from "./stop-handle.js";

/** What a job carries: stored as JSON, so plain data only. */
export type JobPayload = string | number | boolean | null | JobPayload[] | { [key: string]: JobPayload };

export interface JobRequest {
  /** What to run: the name a handler is registered under, e.g. "ordering.advance-order". */
  readonly name: string;
  /** Which one: (name, key) is scheduled once, e.g. "<order id>:PAID". */
  readonly key: string;
  /** Not before this time. */
  readonly runAt: Date;
  readonly payload?: JobPayload;
  /**
   * Jobs of one name with the same ordering key run one after another, in the order they were scheduled: a
   * later one waits while an earlier one is pending, retrying included, and goes once it is done or dead.
   */
  readonly orderingKey?: string;
}

export interface Job {
  readonly name: string;
  readonly key: string;
  readonly payload: JobPayload;
  /** The due time it was scheduled for. */
  readonly runAt: Date;
  /** 1 on the first run, growing with each retry. */
  readonly attempt: number;
}

export interface RetryPolicy {
  /** Runs before the job is given up and kept as dead (visible to an admin). */
  readonly maxAttempts: number;
  /** Delay before retry `attempt + 1` after run `attempt` failed. */
  delayMs(attempt: number): number;
}

export interface JobHandlerOptions {
  readonly retry?: RetryPolicy;
  /** Jobs of this name running at once on one instance (unbounded up to the scheduler's own limit). */
  readonly concurrency?: number;
}

/**
 * Writes due times. Bound to a transaction inside a UnitOfWork, a job is scheduled if and only if the change
 * that asks for it commits.
 */
export interface ScheduledJobs {
  /** Schedules a job; scheduling a (name, key) that exists (pending, done or dead) does nothing: false. */
  schedule(job: JobRequest): Promise<boolean>;
  /** Removes a pending job that has not started; false when there was none. */
  cancel(name: string, key: string): Promise<boolean>;
}

/**
 * Delayed and periodic jobs, each run once per due time across every instance. A handler that throws is
 * retried with backoff, then the job is kept as dead.
 */
export interface JobScheduler extends ScheduledJobs {
  /** Runs jobs named `name` on this instance from now on. Stopping waits for its running jobs. */
  handle(name: string, handler: (job: Job) => Promise<void>, options?: JobHandlerOptions): StopHandle;
  /** Runs `handler` every `periodMs` (first as soon as it is registered), once per period across instances. */
  every(name: string, periodMs: number, handler: (job: Job) => Promise<void>): StopHandle;
}
