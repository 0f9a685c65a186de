import { InvalidArgument } from "../../domain/shared/errors.js";
import { decodingFindingsKey } from "../rpc/decoding-findings.js";
import { undefinedEnumNumbers } from "../rpc/enum-values.js";
import type { RpcInterceptor } from "./rpc-interceptor.js";

/**
 * Refuses, before any handler runs, a request that did not decode faithfully: what the transport found in the
 * body (invalid UTF-8, unknown enum names in JSON) and enum numbers the contract does not define, on every
 * surface. Every field at fault is named, as a use case's own violations are.
 */
export function requestDecodingInterceptor(): RpcInterceptor {
  return async (ctx, request, next) => {
    const found = [
      ...ctx.values.get(decodingFindingsKey),
      ...undefinedEnumNumbers(ctx.method.input, request),
    ];
    if (found.length > 0) throw new InvalidArgument(found);
    return next();
  };
}
