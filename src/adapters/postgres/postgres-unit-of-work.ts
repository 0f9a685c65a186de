import type { UnitOfWork } from "../../domain/shared/unit-of-work.js";
import { currentCall, outsideCallScope, throwIfCallEnded } from "../rpc/call-scope.js";
import { callBoundExecutor } from "./call-bound-executor.js";
import type { Sql, SqlExecutor } from "./database.js";

/**
 * Runs work in one postgres.js transaction, handing it repositories bound to that transaction.
 * `afterCommit` lets the in-process outbox relay wake as soon as events are durable.
 *
 * Inside an RPC it honours the caller (src/adapters/rpc/call-scope.ts): no transaction starts for a call whose
 * deadline has passed or whose client left, its running queries are cancelled when that happens, and it rolls
 * back rather than commits if it happened meanwhile. A COMMIT already sent can still race the deadline;
 * idempotency keys are the remedy (docs/decisions.md).
 */
export class PostgresUnitOfWork<Tx> implements UnitOfWork<Tx> {
  constructor(
    private readonly sql: Sql,
    private readonly bind: (executor: SqlExecutor, events: { appended: () => void }) => Tx,
    private readonly afterCommit: () => void = () => {},
  ) {}

  async run<R>(work: (tx: Tx) => Promise<R>): Promise<R> {
    const call = currentCall();
    throwIfCallEnded(call);
    let appended = false;
    const events = { appended: () => (appended = true) };
    const result = await this.sql.begin(async (executor) => {
      if (!call) return work(this.bind(executor, events));
      const bound = callBoundExecutor(executor, call.signal);
      try {
        const value = await work(this.bind(bound.executor, events));
        // The last look before COMMIT: a caller whose deadline ran out gets a rollback, not a silent success.
        throwIfCallEnded(call);
        return value;
      } finally {
        bound.release();
      }
    });
    // The relay pass this starts belongs to no caller: it must not inherit the call's deadline.
    if (appended) outsideCallScope(this.afterCommit);
    return result as R;
  }
}
