import { type CallScope, runInCallScope, throwIfCallEnded } from "../rpc/call-scope.js";
import type { RpcInterceptor } from "./rpc-interceptor.js";

/**
 * Honours the caller's deadline (grpc-timeout, connect-timeout-ms) and departure on every surface: work whose
 * deadline has passed does not start, the call is in scope for the unit of work (which cancels queries and rolls
 * back instead of committing once it ends), and a unary call that ran past its deadline answers
 * DEADLINE_EXCEEDED, whatever its handler made of the cancelled queries. Runs just inside the logging
 * interceptor, so those answers are counted and mapped like any other.
 */
export function deadlineInterceptor(): RpcInterceptor {
  return async (ctx, _request, next) => {
    const remaining = ctx.timeoutMs();
    const call: CallScope = {
      signal: ctx.signal,
      deadline: remaining === undefined ? undefined : Date.now() + remaining,
      active: true,
    };
    throwIfCallEnded(call);
    let result: unknown;
    try {
      result = await runInCallScope(call, next);
    } catch (error) {
      call.active = false;
      throwIfCallEnded(call);
      throw error;
    }
    // A stream's deadline ends the stream through the handler's own signal; only unary answers are held back.
    if (ctx.method.methodKind === "unary") {
      call.active = false;
      throwIfCallEnded(call);
    }
    return result;
  };
}
