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
}

const scope = new AsyncLocalStorage<CallScope>();

/** Runs `work` within `call`. */
export function runInCallScope<T>(call: CallScope, work: () => T): T {
  return scope.run(call, work);
}

/** The current call, or undefined outside an RPC (jobs, consumers, start-up). */
export function currentCall(): CallScope | undefined {
  return scope.getStore();
}

/** Throws if `call` is over: its signal's reason, or DEADLINE_EXCEEDED once its deadline has passed. */
export function throwIfCallEnded(call: CallScope | undefined = currentCall()): void {
  if (!call) return;
  call.signal.throwIfAborted();
  if (call.deadline !== undefined && Date.now() >= call.deadline) {
    throw new ConnectError("the operation timed out", Code.DeadlineExceeded);
  }
}
