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
 * maps every failure to its one Connect code, logs bugs with their stack, and records metrics. A server stream
 * is counted when it ends, with the code it ended with ("Canceled" when the client left); its latency is the
 * time to its first message.
 */
export function loggingInterceptor(logger: Logger, metrics: Metrics): RpcInterceptor {
  const measures = new RpcMeasures(metrics);
  return async (ctx, _request, next) => {
    const given = ctx.requestHeader.get("x-request-id");
    const requestId = given && REQUEST_ID.test(given) ? given : randomUUID();
    ctx.responseHeader.set("x-request-id", requestId);
    let log: Logger | undefined;
    const requestLog = () => {
      log ??= logger.child({ requestId, rpc: `${ctx.service.typeName}/${ctx.method.name}` });
      return log;
    };
    ctx.values.set(loggerKey, requestLog);
    const started = performance.now();
    const measure = measures.of(ctx.service.typeName, ctx.method.name);
    const mapError = (error: unknown) =>
      toConnectError(error, (bug) => requestLog().error({ err: bug }, "unhandled error"));
    const observeLatency = () => measure.duration.observe((performance.now() - started) / 1000);
    const count = (code: Code | 0) => {
      const codeName = code === 0 ? "ok" : Code[code];
      measure.requests(ctx.protocolName, codeName).inc();
      if (logger.isLevelEnabled("debug"))
        requestLog().debug({ code: codeName, ms: Math.round(performance.now() - started) }, "rpc");
    };

    let result: unknown;
    try {
      result = await next();
    } catch (error) {
      const mapped = mapError(error);
      observeLatency();
      count(mapped.code);
      throw mapped;
    }
    if (ctx.method.methodKind !== "server_streaming") {
      observeLatency();
      count(0);
      return result;
    }
    return (async function* () {
      let first = true;
      let code: Code | 0 = Code.Canceled;
      try {
        for await (const message of result as AsyncIterable<unknown>) {
          if (first) observeLatency();
          first = false;
          yield message;
        }
        // A handler that notices its client left ends quietly; count that as the cancel it was.
        code = ctx.signal.aborted ? Code.Canceled : 0;
      } catch (error) {
        const mapped = mapError(error);
        code = mapped.code;
        throw mapped;
      } finally {
        if (first) observeLatency();
        count(code);
      }
    })();
  };
}

/** For failures raised while a server stream is running (after the interceptors returned). */
export function streamErrorMapper(logger: Logger) {
  return (
    error: unknown,
    ctx: { values: { get: (k: typeof loggerKey) => (() => Logger) | undefined } },
  ): ConnectError =>
    toConnectError(error, (bug) =>
      (ctx.values.get(loggerKey)?.() ?? logger).error({ err: bug }, "unhandled stream error"),
    );
}

/**
 * The metric children of each RPC, made once: prom-client hashes a label set on every inc/observe given
 * as an object, and a method's labels never change.
 */
class RpcMeasures {
  private readonly byMethod = new Map<string, ReturnType<RpcMeasures["make"]>>();

  constructor(private readonly metrics: Metrics) {}

  of(service: string, method: string) {
    const key = `${service}/${method}`;
    let measure = this.byMethod.get(key);
    if (!measure) {
      measure = this.make(service, method);
      this.byMethod.set(key, measure);
    }
    return measure;
  }

  private make(service: string, method: string) {
    const requests = new Map<string, ReturnType<Metrics["rpcRequests"]["labels"]>>();
    return {
      duration: this.metrics.rpcDuration.labels({ service, method }),
      requests: (protocol: string, code: string) => {
        const key = `${protocol} ${code}`;
        let child = requests.get(key);
        if (!child) {
          child = this.metrics.rpcRequests.labels({ service, method, protocol, code });
          requests.set(key, child);
        }
        return child;
      },
    };
  }
}
