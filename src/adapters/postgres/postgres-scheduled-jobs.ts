import type { JobRequest, ScheduledJobs } from "../../domain/shared/job-scheduler.js";
import type { SqlExecutor } from "./database.js";

/** Writes due times into scheduled_jobs, in the caller's transaction when bound to one. */
export class PostgresScheduledJobs implements ScheduledJobs {
  constructor(
    private readonly sql: SqlExecutor,
    /** Lets the local scheduler re-arm its timer for a job due sooner than it planned. */
    private readonly onScheduled: () => void = () => {},
  ) {}

  async schedule(job: JobRequest): Promise<boolean> {
    const rows = await this.sql`
      insert into scheduled_jobs (name, key, payload, run_at, ordering_key)
      values (${job.name}, ${job.key},
              coalesce(${this.sql.json((job.payload ?? null) as never)}::jsonb, 'null'::jsonb), ${job.runAt},
              ${job.orderingKey ?? null})
      on conflict (name, key) do nothing
      returning id`;
    if (rows.length > 0) this.onScheduled();
    return rows.length > 0;
  }

  async cancel(name: string, key: string): Promise<boolean> {
    // A job whose lease is live is running somewhere; it is not cancelled under its runner's feet.
    const rows = await this.sql`
      delete from scheduled_jobs
      where name = ${name} and key = ${key} and state = 'pending' and period_ms is null
        and (claimed_until is null or claimed_until < now())
      returning id`;
    return rows.length > 0;
  }
}
