import { randomUUID } from "node:crypto";
import { Code, type ConnectError } from "@connectrpc/connect";
import type { Logger } from "pino";
import type { Metrics } from "../observability/metrics.js";
import { toConnectError } from "./error-mapping.js";
import { loggerKey } from "./rpc-context.js";
import type { RpcInterceptor } from "./rpc-interceptor.js";

const REQUEST_ID = /^[A-Za-z0-9._-]{1,64}$/;

/**
 * Outermost interceptor: gives each RPC a request id (the caller's x-request-id if sane) and a child logger,
 * maps every failure to its one Connect code, logs bugs with their stack, and records metrics.
 */
export function loggingInterceptor(logger: Logger, metrics: Metrics): RpcInterceptor {
  return async (ctx, _request, next) => {
    const given = ctx.requestHeader.get("x-request-id");
    const requestId = given && REQUEST_ID.test(given) ? given : randomUUID();
    ctx.responseHeader.set("x-request-id", requestId);
    const log = logger.child({ requestId, rpc: `${ctx.service.typeName}/${ctx.method.name}` });
    ctx.values.set(loggerKey, log);
    const started = performance.now();
    const labels = { service: ctx.service.typeName, method: ctx.method.name };
    let code: Code | 0 = 0;
    try {
      return await next();
    } catch (error) {
      const mapped = toConnectError(error, (bug) => log.error({ err: bug }, "unhandled error"));
      code = mapped.code;
      throw mapped;
    } finally {
      const seconds = (performance.now() - started) / 1000;
      metrics.rpcDuration.observe(labels, seconds);
      const codeName = code === 0 ? "ok" : Code[code];
      metrics.rpcRequests.inc({ ...labels, protocol: ctx.protocolName, code: codeName });
      if (code === 0 || code !== Code.Internal)
        log.debug({ code: codeName, ms: Math.round(seconds * 1000) }, "rpc");
    }
  };
}

/** For failures raised while a server stream is running (after the interceptors returned). */
export function streamErrorMapper(logger: Logger) {
  return (
    error: unknown,
    ctx: { values: { get: (k: typeof loggerKey) => Logger | undefined } },
  ): ConnectError =>
    toConnectError(error, (bug) =>
      (ctx.values.get(loggerKey) ?? logger).error({ err: bug }, "unhandled stream error"),
    );
}
