import { pino } from "pino";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { Metrics } from "../../src/adapters/observability/metrics.js";
import { connectDatabase, type Sql } from "../../src/adapters/postgres/database.js";
import {
  type JobSchedulerOptions,
  PostgresJobScheduler,
} from "../../src/adapters/postgres/postgres-job-scheduler.js";
import { PostgresScheduledJobs } from "../../src/adapters/postgres/postgres-scheduled-jobs.js";
import type { Job } from "../../src/domain/shared/job-scheduler.js";
import { createTestDatabase, DATABASE_KINDS, type TestDatabase } from "../support/databases.js";
import { eventually } from "../support/eventually.js";
import { uniqueName } from "../support/test-app.js";

// The JobScheduler port's contract. Due times live in the database, so the one implementation runs on
// PostgreSQL and on the embedded PGlite alike (the in-process default uses it with timers); both are tested.
// "Instances" are schedulers with pools of their own (on PGlite they share its single session).

describe.each(DATABASE_KINDS)("job scheduler on %s", (kind) => {
  let database: TestDatabase;
  const running: PostgresJobScheduler[] = [];
  const pools: Sql[] = [];

  beforeAll(async () => {
    database = await createTestDatabase(kind);
  });

  afterEach(async () => {
    for (const s of running.splice(0)) await s.stop();
  });

  afterAll(async () => {
    for (const pool of pools) await pool.end({ timeout: 5 });
    await database?.drop();
  });

  const instance = (options: JobSchedulerOptions = {}) => {
    let sql = database.sql;
    if (kind === "postgres") {
      sql = connectDatabase(database.url, { max: 3 });
      pools.push(sql);
    }
    const scheduler = new PostgresJobScheduler(
      sql,
      { logger: pino({ level: "silent" }), metrics: new Metrics() },
      { pollMs: 100, ...options },
    );
    running.push(scheduler);
    scheduler.start();
    return scheduler;
  };

  const state = async (name: string, key: string) => {
    const [row] = await database.sql<{ state: string; attempts: number; last_error: string | null }[]>`
      select state, attempts, last_error from scheduled_jobs where name = ${name} and key = ${key}`;
    return row;
  };

  it("runs a job at or after its due time, with its payload", async () => {
    const scheduler = instance();
    const name = uniqueName("job.");
    const runs: Array<{ job: Job; at: number }> = [];
    scheduler.handle(name, async (job) => void runs.push({ job, at: Date.now() }));
    const runAt = new Date(Date.now() + 400);
    expect(await scheduler.schedule({ name, key: "k1", runAt, payload: { orderId: "o-1", step: 2 } })).toBe(
      true,
    );
    await eventually(() => expect(runs).toHaveLength(1));
    expect(runs[0]?.at).toBeGreaterThanOrEqual(runAt.getTime());
    expect(runs[0]?.job).toMatchObject({ name, key: "k1", payload: { orderId: "o-1", step: 2 }, attempt: 1 });
    expect(runs[0]?.job.runAt.getTime()).toBe(runAt.getTime());
    await eventually(async () => expect(await state(name, "k1")).toMatchObject({ state: "done" }));
  });

  it("runs a (name, key) once however often it is scheduled", async () => {
    const scheduler = instance();
    const name = uniqueName("job.");
    let runs = 0;
    scheduler.handle(name, async () => void runs++);
    const job = { name, key: "same", runAt: new Date() };
    expect(await scheduler.schedule(job)).toBe(true);
    expect(await scheduler.schedule(job)).toBe(false);
    await eventually(async () => expect(await state(name, "same")).toMatchObject({ state: "done" }));
    expect(await scheduler.schedule({ ...job, runAt: new Date() })).toBe(false);
    // A later job of the same name passes through; the first did not run again.
    await scheduler.schedule({ name, key: "other", runAt: new Date() });
    await eventually(async () => expect(await state(name, "other")).toMatchObject({ state: "done" }));
    expect(runs).toBe(2);
  });

  it("retries a failing job after its policy's delays, then keeps it dead with its error", async () => {
    const scheduler = instance();
    const name = uniqueName("job.");
    const attempts: Array<{ attempt: number; at: number }> = [];
    scheduler.handle(
      name,
      async (job) => {
        attempts.push({ attempt: job.attempt, at: Date.now() });
        throw new Error(`refused ${job.attempt}`);
      },
      { retry: { maxAttempts: 3, delayMs: (attempt) => attempt * 150 } },
    );
    await scheduler.schedule({ name, key: "k", runAt: new Date() });
    await eventually(async () =>
      expect(await state(name, "k")).toEqual({ state: "dead", attempts: 3, last_error: "refused 3" }),
    );
    expect(attempts.map((a) => a.attempt)).toEqual([1, 2, 3]);
    const [a1, a2, a3] = attempts.map((a) => a.at) as [number, number, number];
    expect(a2 - a1).toBeGreaterThanOrEqual(140);
    expect(a3 - a2).toBeGreaterThanOrEqual(290);
  });

  it("retries a job that failed and then succeeds, once", async () => {
    const scheduler = instance();
    const name = uniqueName("job.");
    const attempts: number[] = [];
    scheduler.handle(
      name,
      async (job) => {
        attempts.push(job.attempt);
        if (job.attempt === 1) throw new Error("transient");
      },
      { retry: { maxAttempts: 5, delayMs: () => 50 } },
    );
    await scheduler.schedule({ name, key: "k", runAt: new Date() });
    await eventually(async () =>
      expect(await state(name, "k")).toMatchObject({ state: "done", attempts: 2 }),
    );
    expect(attempts).toEqual([1, 2]);
  });

  it("runs jobs sharing an ordering key one after another, a retried one holding back the later ones", async () => {
    const scheduler = instance();
    const name = uniqueName("job.");
    const ran: string[] = [];
    scheduler.handle(
      name,
      async (job) => {
        ran.push(`${job.key}#${job.attempt}`);
        if (job.key === "a1" && job.attempt < 3) throw new Error("not yet");
      },
      { retry: { maxAttempts: 5, delayMs: () => 150 } },
    );
    const now = new Date();
    for (const [key, orderingKey] of [
      ["a1", "a"],
      ["a2", "a"],
      ["b1", "b"],
      ["a3", "a"],
    ] as const)
      await scheduler.schedule({ name, key, runAt: now, orderingKey });
    await eventually(() => expect(ran.filter((r) => r.startsWith("a"))).toHaveLength(5));
    const ofA = ran.filter((r) => r.startsWith("a"));
    expect(ofA).toEqual(["a1#1", "a1#2", "a1#3", "a2#1", "a3#1"]);
    expect(ran).toContain("b1#1");
    // The other key did not wait for the retries.
    expect(ran.indexOf("b1#1")).toBeLessThan(ran.indexOf("a1#3"));
  });

  it("never runs a job cancelled before it started", async () => {
    const scheduler = instance();
    const name = uniqueName("job.");
    const ran: string[] = [];
    scheduler.handle(name, async (job) => void ran.push(job.key));
    await scheduler.schedule({ name, key: "cancelled", runAt: new Date(Date.now() + 300) });
    await scheduler.schedule({ name, key: "kept", runAt: new Date(Date.now() + 400) });
    expect(await scheduler.cancel(name, "cancelled")).toBe(true);
    expect(await scheduler.cancel(name, "cancelled")).toBe(false);
    await eventually(() => expect(ran).toEqual(["kept"]));
  });

  it("schedules inside a transaction: the job exists only if the transaction commits", async () => {
    const scheduler = instance();
    const name = uniqueName("job.");
    const ran: string[] = [];
    scheduler.handle(name, async (job) => void ran.push(job.key));
    await expect(
      database.sql.begin(async (tx) => {
        await new PostgresScheduledJobs(tx).schedule({ name, key: "rolled-back", runAt: new Date() });
        throw new Error("abort");
      }),
    ).rejects.toThrow("abort");
    await database.sql.begin((tx) =>
      new PostgresScheduledJobs(tx).schedule({ name, key: "committed", runAt: new Date() }),
    );
    await eventually(() => expect(ran).toEqual(["committed"]));
    expect(await state(name, "rolled-back")).toBeUndefined();
  });

  it("runs a job scheduled before a restart once the next instance starts", async () => {
    const name = uniqueName("job.");
    const first = instance();
    first.handle(name, async () => {
      throw new Error("the first instance must not run it");
    });
    await first.schedule({ name, key: "k", runAt: new Date(Date.now() + 60_000) });
    await first.stop();
    await database.sql`update scheduled_jobs set run_at = now() where name = ${name}`;
    const ran: string[] = [];
    instance().handle(name, async (job) => void ran.push(job.key));
    await eventually(() => expect(ran).toEqual(["k"]));
  });

  it("runs each due job once across two instances", async () => {
    const name = uniqueName("job.");
    const runs: string[] = [];
    for (const scheduler of [instance(), instance()]) {
      scheduler.handle(name, async (job) => {
        runs.push(job.key);
        await new Promise((r) => setTimeout(r, 5));
      });
    }
    const keys = Array.from({ length: 60 }, (_, i) => `k${i}`);
    const [a] = running;
    await Promise.all(keys.map((key) => a?.schedule({ name, key, runAt: new Date() })));
    await eventually(async () => {
      const [row] = await database.sql<{ n: number }[]>`
        select count(*)::int as n from scheduled_jobs where name = ${name} and state = 'done'`;
      expect(row?.n).toBe(keys.length);
    });
    expect(runs.sort()).toEqual([...keys].sort());
  });

  it("runs a periodic job once per period across two instances", async () => {
    const name = uniqueName("tick.");
    const dueTimes: number[] = [];
    const handler = async (job: Job) => void dueTimes.push(job.runAt.getTime());
    instance().every(name, 200, handler);
    instance().every(name, 200, handler);
    await eventually(() => expect(dueTimes.length).toBeGreaterThanOrEqual(5), { timeoutMs: 5000 });
    for (const s of running.splice(0)) await s.stop();
    // Each due time ran once, and due times are a period apart.
    expect(new Set(dueTimes).size).toBe(dueTimes.length);
    const sorted = [...dueTimes].sort((x, y) => x - y);
    for (let i = 1; i < sorted.length; i++) {
      expect((sorted[i] as number) - (sorted[i - 1] as number)).toBeGreaterThanOrEqual(199);
    }
  });

  it("runs a job left claimed by a dead instance once its lease lapses, and ignores the dead claim", async () => {
    const name = uniqueName("job.");
    // What a killed instance leaves behind: a claimed row whose lease nobody renews.
    const deadClaim = crypto.randomUUID();
    await database.sql`
      insert into scheduled_jobs (name, key, run_at, attempts, claim_id, claimed_until)
      values (${name}, 'k', now(), 1, ${deadClaim}, now() + interval '300 milliseconds')`;
    const ran: number[] = [];
    instance().handle(name, async (job) => void ran.push(job.attempt));
    await eventually(() => expect(ran).toEqual([2]));
    await eventually(async () =>
      expect(await state(name, "k")).toMatchObject({ state: "done", attempts: 2 }),
    );
    // Had the dead instance come back to record its outcome, its claim no longer matches anything.
    const stale = await database.sql`
      update scheduled_jobs set state = 'dead' where name = ${name} and claim_id = ${deadClaim} returning 1`;
    expect(stale).toHaveLength(0);
  });

  it("keeps a slow job's lease while it runs, so no other instance runs it too", async () => {
    const name = uniqueName("job.");
    let runs = 0;
    const slow = async () => {
      runs += 1;
      await new Promise((r) => setTimeout(r, 700));
    };
    instance({ leaseMs: 300 }).handle(name, slow);
    instance({ leaseMs: 300 }).handle(name, slow);
    await running[0]?.schedule({ name, key: "k", runAt: new Date() });
    await eventually(async () =>
      expect(await state(name, "k")).toMatchObject({ state: "done", attempts: 1 }),
    );
    expect(runs).toBe(1);
  });
});
