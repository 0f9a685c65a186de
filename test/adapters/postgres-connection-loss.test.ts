import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { connectDatabase, type Sql } from "../../src/adapters/postgres/database.js";
import { createTestDatabase, type TestDatabase } from "../support/databases.js";

// What the pipelined unit of work relies on from postgres.js when a reserved connection is lost (a restart, a
// failover, a terminated backend): every query made on the reserved handle settles, and the pool keeps its
// connections. Unpatched 3.4.9 left the queries waiting in the handle's own queue pending for ever
// (porsager/postgres#1186), and a reserve queued behind a connection that closed was never handed one (#1195):
// under load a PlaceOrder caught by a PostgreSQL restart waited until its caller's deadline. patches/postgres+*.

let database: TestDatabase;
let killer: Sql;

beforeAll(async () => {
  database = await createTestDatabase("postgres");
  killer = connectDatabase(database.url, { max: 1 });
});

afterAll(async () => {
  await killer?.end({ timeout: 5 });
  await database?.drop();
});

/** Settles within `ms`, or says it did not (instead of hanging the test until its own timeout). */
function settledWithin<T>(promise: Promise<T>, ms: number): Promise<"settled" | "pending"> {
  return Promise.race([
    promise.then(
      () => "settled" as const,
      () => "settled" as const,
    ),
    new Promise<"pending">((resolve) => setTimeout(() => resolve("pending"), ms)),
  ]);
}

async function terminate(pid: number): Promise<void> {
  await killer`select pg_terminate_backend(${pid})`;
}

describe("a reserved postgres.js connection that the server closes", () => {
  it("rejects the queries queued on it, and queries made on it afterwards, and the pool goes on", async () => {
    const sql = connectDatabase(database.url, { max: 2 });
    try {
      const reserved = await sql.reserve();
      const [{ pid }] = (await reserved`select pg_backend_pid() as pid`) as unknown as [{ pid: number }];
      // A statement seen for the first time is described before it runs: the connection counts as full, so the
      // queries behind it wait in the handle's own queue, which is what a pipelined transaction looks like.
      const running = reserved`select pg_sleep(30), ${"first"}::text as tag`.execute();
      const queued = [1, 2, 3].map((n) => reserved`select ${n}::int + 0 as ${reserved(`queued_${n}`)}`);
      for (const query of [running, ...queued]) query.catch(() => {});
      await new Promise((r) => setTimeout(r, 200));
      await terminate(pid);
      const outcomes = await Promise.all([running, ...queued].map((query) => settledWithin(query, 5_000)));
      expect(outcomes).toEqual(["settled", "settled", "settled", "settled"]);
      await expect(queued[0]).rejects.toMatchObject({
        code: expect.stringMatching(/CONNECTION_CLOSED|57P01/),
      });
      const after = reserved`select 1`;
      after.catch(() => {});
      expect(await settledWithin(after, 5_000)).toBe("settled");
      await expect(after).rejects.toThrow();
      reserved.release();
      // Both pool slots still work: two connections at once, each answering.
      const pids = await Promise.all([
        sql.begin(async (tx) => (await tx`select pg_backend_pid() as pid, pg_sleep(0.2)`)[0]?.pid),
        sql.begin(async (tx) => (await tx`select pg_backend_pid() as pid, pg_sleep(0.2)`)[0]?.pid),
      ]);
      expect(new Set(pids).size).toBe(2);
    } finally {
      await sql.end({ timeout: 5 });
    }
  }, 30_000);

  it("hands a reserve queued behind it a new connection instead of stranding it", async () => {
    const sql = connectDatabase(database.url, { max: 1 });
    try {
      const first = await sql.reserve();
      const [{ pid }] = (await first`select pg_backend_pid() as pid`) as unknown as [{ pid: number }];
      const second = sql.reserve(); // waits: the pool's only connection is reserved
      await new Promise((r) => setTimeout(r, 100));
      await terminate(pid);
      expect(await settledWithin(second, 5_000)).toBe("settled");
      const handle = await second;
      const [row] = await handle`select 42 as answer`;
      expect(row?.answer).toBe(42);
      handle.release();
      first.release(); // a handle whose connection was lost: releasing it must not disturb the pool
      expect((await sql`select 7 as again`)[0]?.again).toBe(7);
    } finally {
      await sql.end({ timeout: 5 });
    }
  }, 30_000);

  it("gives a transaction's queued queries an answer when its connection is lost", async () => {
    const sql = connectDatabase(database.url, { max: 1 });
    try {
      let queued: Array<Promise<unknown>> = [];
      const transaction = sql.begin(async (tx) => {
        const [{ pid }] = (await tx`select pg_backend_pid() as pid`) as unknown as [{ pid: number }];
        const running = tx`select pg_sleep(30), ${"tx"}::text as tag`;
        queued = [1, 2].map((n) => tx`select ${n}::int + 1 as ${tx(`tx_queued_${n}`)}`);
        for (const query of [running, ...queued]) query.catch(() => {});
        setTimeout(() => void terminate(pid), 200);
        await running;
      });
      transaction.catch(() => {});
      expect(await settledWithin(transaction, 5_000)).toBe("settled");
      const outcomes = await Promise.all(queued.map((query) => settledWithin(query, 2_000)));
      expect(outcomes).toEqual(["settled", "settled"]);
      expect((await sql`select 1 as alive`)[0]?.alive).toBe(1);
    } finally {
      await sql.end({ timeout: 5 });
    }
  }, 30_000);
});
