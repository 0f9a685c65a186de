import type { UnitOfWork } from "../../domain/shared/unit-of-work.js";
import { currentCall, outsideCallScope, throwIfCallEnded } from "../rpc/call-scope.js";
import { callBoundExecutor } from "./call-bound-executor.js";
import type { Sql, SqlExecutor } from "./database.js";

/** What a repository of a pipelined transaction may use besides its executor. */
export interface PipelineHooks {
  /** The transaction wrote events: wake the outbox relay after the commit. */
  appended(): void;
  /**
   * Hands over a statement already sent whose result nobody waits for: COMMIT follows it on the wire, and the
   * transaction fails with its error if it fails (the database then answers COMMIT with a rollback). The
   * statement must check in SQL whatever must hold for the commit to be right.
   */
  defer(statement: Promise<unknown>): void;
}

/**
 * A unit of work that saves round trips by pipelining on one reserved connection: BEGIN goes out with the
 * first statement, and COMMIT right behind the last (deferred) one, instead of each waiting for the answer
 * before it. For PlaceOrder this halves the round trips while its row locks are held: lock, then write +
 * commit. Otherwise it behaves as PostgresUnitOfWork: all or nothing, `afterCommit` when events were written,
 * and inside an RPC it honours the caller (no start once the deadline passed, queries cancelled when it
 * passes, a rollback instead of COMMIT if it passed meanwhile).
 */
export class PostgresPipelinedUnitOfWork<Tx> implements UnitOfWork<Tx> {
  constructor(
    private readonly sql: Sql,
    private readonly bind: (executor: SqlExecutor, hooks: PipelineHooks) => Tx,
    private readonly afterCommit: () => void = () => {},
  ) {}

  async run<R>(work: (tx: Tx) => Promise<R>): Promise<R> {
    const call = currentCall();
    throwIfCallEnded(call);
    const connection = await this.sql.reserve();
    const bound = call ? callBoundExecutor(connection, call.signal) : undefined;
    const executor = bound?.executor ?? connection;
    const deferred: Array<Promise<unknown>> = [];
    let appended = false;
    const hooks: PipelineHooks = {
      appended: () => (appended = true),
      defer: (statement) => {
        // Observed here so a failure never counts as unhandled before it is awaited below.
        statement.catch(() => {});
        deferred.push(statement);
      },
    };
    try {
      const begin = connection`begin`.execute();
      hooks.defer(begin);
      let result: R;
      try {
        result = await work(this.bind(executor, hooks));
        await begin;
        // The last look before COMMIT: a caller whose deadline ran out gets a rollback, not a silent success.
        throwIfCallEnded(call);
      } catch (error) {
        // A deferred statement that failed is the cause of whatever failed after it (25P02).
        const cause = await firstFailure(deferred);
        await connection`rollback`.catch(() => {});
        throw cause ?? error;
      }
      const commit = connection`commit`.execute();
      const cause = await firstFailure([...deferred, commit]);
      if (cause !== undefined) {
        // COMMIT of a failed transaction rolled it back; make sure nothing is left open on this connection.
        await connection`rollback`.catch(() => {});
        throw cause;
      }
      // The relay pass this starts belongs to no caller: it must not inherit the call's deadline.
      if (appended) outsideCallScope(this.afterCommit);
      return result;
    } finally {
      bound?.release();
      connection.release();
    }
  }
}

async function firstFailure(statements: ReadonlyArray<Promise<unknown>>): Promise<unknown> {
  for (const settled of await Promise.allSettled(statements)) {
    if (settled.status === "rejected") return settled.reason ?? new Error("statement failed");
  }
  return undefined;
}
