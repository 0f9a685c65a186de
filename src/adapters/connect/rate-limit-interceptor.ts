import { addressGroup } from "../../domain/shared/client-address.js";
import { ResourceExhausted } from "../../domain/shared/errors.js";
import type { RequestBudgets } from "./request-budgets.js";
import { peerAddressKey, principalKey } from "./rpc-context.js";
import type { RpcInterceptor } from "./rpc-interceptor.js";

/**
 * The general budgets of every RPC on every surface: per client network (before the token is verified, so a
 * flood of forged tokens costs no signature checks past its budget) and per account (after, once the caller
 * is known). Two interceptors of one budget store: place `perAddress` before the auth interceptor and
 * `perAccount` after it.
 */
export function rateLimitInterceptors(
  budgets: RequestBudgets,
  limits: { readonly perAddress: number; readonly perAccount: number },
): { perAddress: RpcInterceptor; perAccount: RpcInterceptor } {
  const refuse = (what: string, retryAfterSeconds: number) =>
    new ResourceExhausted(
      `too many requests from this ${what}: try again in ${retryAfterSeconds} s`,
      retryAfterSeconds,
    );
  return {
    perAddress: (ctx, _request, next) => {
      const address = ctx.values.get(peerAddressKey);
      if (limits.perAddress > 0 && address) {
        const wait = budgets.take(`rpc:address:${addressGroup(address)}`, limits.perAddress);
        if (wait !== undefined) throw refuse("network", wait);
      }
      return next();
    },
    perAccount: (ctx, _request, next) => {
      const principal = ctx.values.get(principalKey);
      if (limits.perAccount > 0 && principal) {
        const wait = budgets.take(`rpc:account:${principal.userId}`, limits.perAccount);
        if (wait !== undefined) throw refuse("account", wait);
      }
      return next();
    },
  };
}
