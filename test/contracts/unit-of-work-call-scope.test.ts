import { Code, ConnectError } from "@connectrpc/connect";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { SqlExecutor } from "../../src/adapters/postgres/database.js";
import { PostgresUnitOfWork } from "../../src/adapters/postgres/postgres-unit-of-work.js";
import { type CallScope, currentCall, runInCallScope } from "../../src/adapters/rpc/call-scope.js";
import { createTestDatabase, type TestDatabase } from "../support/databases.js";

// PostgresUnitOfWork inside an RPC's scope (issue 14.1): the caller's deadline and departure are honoured, and
// background work the call sets going is not bound to the call once it has been answered.

let db: TestDatabase;
let afterCommitSawCall: CallScope | undefined | "not run";

const uow = () =>
  new PostgresUnitOfWork<SqlExecutor>(
    db.sql,
    (tx, events) => {
      events.appended();
      return tx;
    },
    () => (afterCommitSawCall = currentCall()),
  );

beforeAll(async () => {
  db = await createTestDatabase();
  await db.sql`create table scope_probe (note text not null)`;
});

afterAll(async () => {
  await db?.drop();
});

const call = (signal: AbortSignal, deadline?: number): CallScope => ({ signal, deadline, active: true });
const notes = async () => (await db.sql`select note from scope_probe order by note`).map((r) => r.note);

describe("PostgresUnitOfWork in a call's scope", () => {
  it("starts no transaction for a call whose deadline has passed", async () => {
    const work = runInCallScope(call(new AbortController().signal, Date.now() - 1), () =>
      uow().run(async (tx) => void (await tx`insert into scope_probe values ('late')`)),
    );
    await expect(work).rejects.toMatchObject({ code: Code.DeadlineExceeded });
    expect(await notes()).not.toContain("late");
  });

  it("rolls back instead of committing when the call ends during the work, cancelling its query", async () => {
    const controller = new AbortController();
    const work = runInCallScope(call(controller.signal), () =>
      uow().run(async (tx) => {
        await tx`insert into scope_probe values ('abandoned')`;
        setTimeout(
          () => controller.abort(new ConnectError("the operation timed out", Code.DeadlineExceeded)),
          50,
        );
        await tx`select pg_sleep(30)`;
      }),
    );
    await expect(work).rejects.toBeDefined();
    expect(await notes()).not.toContain("abandoned");
    const [sleeping] = await db.sql`
      select count(*)::int as n from pg_stat_activity where query like 'select pg_sleep(30)%' and state = 'active'`;
    expect(sleeping?.n).toBe(0);
  });

  it("commits as usual within a live call, and wakes the relay outside the call", async () => {
    afterCommitSawCall = "not run";
    await runInCallScope(call(new AbortController().signal, Date.now() + 60_000), () =>
      uow().run(async (tx) => void (await tx`insert into scope_probe values ('committed')`)),
    );
    expect(await notes()).toContain("committed");
    expect(afterCommitSawCall).toBeUndefined();
  });

  it("does not bind work a call set going to the call once it has been answered", async () => {
    const controller = new AbortController();
    const scope = call(controller.signal);
    let later: Promise<unknown> = Promise.resolve();
    runInCallScope(scope, () => {
      later = new Promise((resolve) => setTimeout(resolve, 10)).then(() =>
        uow().run(async (tx) => void (await tx`insert into scope_probe values ('background')`)),
      );
    });
    scope.active = false;
    controller.abort();
    await later;
    expect(await notes()).toContain("background");
  });
});
