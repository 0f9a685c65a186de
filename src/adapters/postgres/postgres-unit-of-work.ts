import type { UnitOfWork } from "../../domain/shared/unit-of-work.js";
import { currentCall, outsideCallScope, throwIfCallEnded } from "../rpc/call-scope.js";
import type { Sql, SqlExecutor } from "./database.js";

/**
 * Runs work in one postgres.js transaction, handing it repositories bound to that transaction.
 * `afterCommit` lets the in-process outbox relay wake as soon as events are durable.
 *
 * Inside an RPC it honours the caller's signal (src/adapters/rpc/call-scope.ts): no transaction starts for a
 * call whose deadline has passed or whose client left, its running queries are cancelled when that happens, and
 * it rolls back rather than commits if it happened meanwhile. A COMMIT already sent can still race the deadline;
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
    const signal = call?.signal;
    let appended = false;
    const events = { appended: () => (appended = true) };
    const result = await this.sql.begin(async (executor) => {
      if (!signal) return work(this.bind(executor, events));
      const running = new Set<{ cancel(): void }>();
      const cancelAll = () => {
        for (const query of running) query.cancel();
      };
      signal.addEventListener("abort", cancelAll, { once: true });
      try {
        const value = await work(this.bind(cancelledOnAbort(executor, running), events));
        // The last look before COMMIT: a caller whose deadline ran out gets a rollback, not a silent success.
        throwIfCallEnded(call);
        return value;
      } finally {
        signal.removeEventListener("abort", cancelAll);
      }
    });
    // The relay pass this starts belongs to no caller: it must not inherit the call's deadline.
    if (appended) outsideCallScope(this.afterCommit);
    return result as R;
  }
}

/**
 * The transaction's executor, remembering every query it makes so they can be cancelled. Queries are only
 * recorded, never awaited here: a tagged template may be a fragment of another query, and awaiting it would run it.
 */
function cancelledOnAbort(executor: SqlExecutor, running: Set<{ cancel(): void }>): SqlExecutor {
  return new Proxy(executor, {
    apply(target, thisArg, args) {
      const result: unknown = Reflect.apply(target, thisArg, args);
      if (result instanceof Promise && typeof (result as { cancel?: unknown }).cancel === "function") {
        running.add(result as unknown as { cancel(): void });
      }
      return result;
    },
  });
}
