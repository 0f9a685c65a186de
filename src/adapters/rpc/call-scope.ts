import { AsyncLocalStorage } from "node:async_hooks";
import { Code, ConnectError } from "@connectrpc/connect";

// The RPC being served, carried through async calls without threading it through every use-case signature: the
// RPC layer opens the scope around each call, and the unit of work reads it to refuse starting or committing a
// transaction whose caller's deadline ran out (or who left). A context added later gets this by using the unit of
// work; nothing in the domain knows about it.

export interface CallScope {
  /** Aborts when the client leaves, the deadline's timer fires, or the server stops. */
  readonly signal: AbortSignal;
  /** The deadline in epoch milliseconds, if the caller set one. Checked directly too: a timer fires late. */
  readonly deadline: number | undefined;
  /**
   * False once the call has been answered. Async work it set going inherits the scope (timers, promise chains);
   * once the call is over that work is on its own, not bound to a caller who has left.
   */
  active: boolean;
}

const scope = new AsyncLocalStorage<CallScope>();

/** Runs `work` within `call`. */
export function runInCallScope<T>(call: CallScope, work: () => T): T {
  return scope.run(call, work);
}

/** Runs `work` outside any call: background work a call starts (a relay pass, say) must not die with it. */
export function outsideCallScope<T>(work: () => T): T {
  return scope.exit(work);
}

/** The current call while it is being served, or undefined (jobs, consumers, start-up, after the answer). */
export function currentCall(): CallScope | undefined {
  const call = scope.getStore();
  return call?.active ? call : undefined;
}

/** Throws if `call` is over: its signal's reason, or DEADLINE_EXCEEDED once its deadline has passed. */
export function throwIfCallEnded(call: CallScope | undefined = currentCall()): void {
  if (!call) return;
  call.signal.throwIfAborted();
  if (call.deadline !== undefined && Date.now() >= call.deadline) {
    throw new ConnectError("the operation timed out", Code.DeadlineExceeded);
  }
}
