import type { AccessTokenVerifier } from "../../domain/identity/ports.js";
import { PermissionDenied, Unauthenticated } from "../../domain/shared/errors.js";
import { ACCESS_POLICY, type Access } from "./access-policy.js";
import { principalKey, rpcName } from "./rpc-context.js";
import type { RpcInterceptor } from "./rpc-interceptor.js";

const BEARER = /^Bearer\s+(\S+)$/i;

/** Verifies the bearer token and enforces ACCESS_POLICY before any handler runs. */
export function authInterceptor(
  verifier: AccessTokenVerifier,
  policy: Readonly<Record<string, Access>> = ACCESS_POLICY,
): RpcInterceptor {
  return async (ctx, _request, next) => {
    const access = policy[rpcName(ctx)];
    if (access === undefined) throw new PermissionDenied("this RPC is not open to anyone");
    if (access === "public") return next();

    const header = ctx.requestHeader.get("authorization");
    if (!header)
      throw new Unauthenticated("authentication required: send 'authorization: Bearer <access token>'");
    const match = BEARER.exec(header.trim());
    if (!match?.[1]) throw new Unauthenticated("authorization header must be 'Bearer <access token>'");
    const principal = await verifier.verify(match[1]);
    if (access !== "authenticated" && !access.includes(principal.role)) {
      throw new PermissionDenied(`${rpcName(ctx)} is not available to role ${principal.role}`);
    }
    ctx.values.set(principalKey, principal);
    return next();
  };
}
