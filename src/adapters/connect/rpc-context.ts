import { type ContextValues, createContextKey, type HandlerContext } from "@connectrpc/connect";
import type { Logger } from "pino";
import type { Principal } from "../../domain/identity/principal.js";
import { Unauthenticated } from "../../domain/shared/errors.js";

/** The verified caller, set by the auth interceptor for every RPC that is not public. */
export const principalKey = createContextKey<Principal | undefined>(undefined, { description: "principal" });
/**
 * The request's child logger (with its request id), set by the logging interceptor: made on first use, since
 * most calls log nothing and a pino child per call cost more than the call's own logging.
 */
export const loggerKey = createContextKey<(() => Logger) | undefined>(undefined, { description: "logger" });

/** The caller's network address as the transport saw it (no proxy headers are trusted). */
export const peerAddressKey = createContextKey<string | undefined>(undefined, {
  description: "peer address",
});

export function requirePrincipal(ctx: { values: ContextValues }): Principal {
  const principal = ctx.values.get(principalKey);
  // The access policy guarantees a principal for non-public RPCs; this guards a policy mistake.
  if (!principal) throw new Unauthenticated("authentication required");
  return principal;
}

export const rpcName = (ctx: HandlerContext): string => `${ctx.service.typeName}/${ctx.method.name}`;
