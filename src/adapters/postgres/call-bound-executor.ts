import type { SqlExecutor } from "./database.js";

/**
 * A transaction's executor bound to the RPC call it serves (src/adapters/rpc/call-scope.ts): every query it
 * makes is remembered, and all still running are cancelled when the call's signal aborts (deadline passed,
 * client gone), so a transaction waiting on a lock gives up with its caller instead of committing later.
 * `release` stops watching the signal once the transaction is over. Any unit of work can use it.
 */
export function callBoundExecutor(
  executor: SqlExecutor,
  signal: AbortSignal,
): { readonly executor: SqlExecutor; release(): void } {
  const running = new Set<{ cancel(): void }>();
  const cancelAll = () => {
    for (const query of running) query.cancel();
  };
  signal.addEventListener("abort", cancelAll, { once: true });
  // Queries are only recorded, never awaited here: a tagged template may be a fragment of another query, and
  // awaiting it would run it.
  const bound = new Proxy(executor, {
    apply(target, thisArg, args) {
      const result: unknown = Reflect.apply(target, thisArg, args);
      if (result instanceof Promise && typeof (result as { cancel?: unknown }).cancel === "function") {
        running.add(result as unknown as { cancel(): void });
      }
      return result;
    },
  });
  return { executor: bound, release: () => signal.removeEventListener("abort", cancelAll) };
}
