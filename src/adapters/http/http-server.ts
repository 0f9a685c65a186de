import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { cors as connectCors, createContextValues } from "@connectrpc/connect";
import cors from "cors";
import { peerAddressKey } from "../connect/rpc-context.js";
import type { InterceptedService } from "../connect/rpc-interceptor.js";
import { connectHandler } from "./connect-handler.js";
import { type PlainRoute, plainRouter } from "./plain-routes.js";

export interface HttpServerOptions {
  readonly services: readonly InterceptedService[];
  readonly routes: readonly PlainRoute[];
  readonly maxBodyBytes: number;
  /** Aborted when the server starts draining: every answer then closes its connection. */
  readonly drainSignal: AbortSignal;
  readonly shutdownSignal: AbortSignal;
  /** Browser origins allowed to call (CORS): "*" for any, or a list (empty: none). */
  readonly corsOrigins: "*" | readonly string[];
  /** Logs a failure of a plain route or of the Connect handler (a bug); the caller gets a bare 500. */
  readonly onRouteError?: (error: unknown) => void;
  /** The whole request (headers and body) must arrive within this; else 408 and the connection closes. */
  readonly requestTimeoutMs?: number;
  /** The headers must arrive within this. */
  readonly headersTimeoutMs?: number;
}

/**
 * One HTTP/1.1 server for Connect (JSON and binary), gRPC-Web and the plain routes. gRPC proper needs HTTP/2,
 * which Node's cleartext server cannot offer on the same port as HTTP/1.1; it has its own port (src/adapters/grpc).
 */
export interface HttpServer {
  readonly server: Server;
  /**
   * Stops the server gracefully: waits (at most `graceMs`) until no request is in flight, then stops listening
   * and closes every connection. Closing the listener first reset connections whose requests were still being
   * handled (seen under load with connect-node), so the listener stays open meanwhile; /readyz already fails
   * and every answer closes its connection, so traffic moves away.
   */
  drain(graceMs: number): Promise<void>;
}

export function createHttpServer(options: HttpServerOptions): HttpServer {
  const onError = options.onRouteError ?? (() => {});
  const handler = connectHandler({
    services: options.services,
    readMaxBytes: options.maxBodyBytes,
    // Every field in every JSON answer, zero values included (`stockQuantity: 0`, `archived: false`): clients
    // such as S1's mobile app read a field's absence as "unknown", not as zero.
    jsonOptions: { alwaysEmitImplicit: true },
    contextValues: (req) => createContextValues().set(peerAddressKey, req.socket.remoteAddress),
    shutdownSignal: options.shutdownSignal,
    fallback: plainRouter(options.routes, onError),
    onError,
  });
  // Browsers send the token in a header, never a cookie, so allowing other origins exposes no ambient credential.
  const corsHandler = cors({
    origin: options.corsOrigins === "*" ? "*" : [...options.corsOrigins],
    methods: [...connectCors.allowedMethods],
    allowedHeaders: [...connectCors.allowedHeaders, "authorization", "x-request-id"],
    exposedHeaders: [...connectCors.exposedHeaders, "x-request-id"],
    maxAge: 7200,
  });
  let inFlight = 0;
  const requestTimeout = options.requestTimeoutMs ?? 30_000;
  const server = createServer(
    {
      requestTimeout,
      headersTimeout: Math.min(options.headersTimeoutMs ?? 15_000, requestTimeout),
      // Node checks both timeouts on this period (30 s by default, which let a stalled body linger that long).
      connectionsCheckingInterval: Math.max(100, Math.min(1000, requestTimeout / 4)),
    },
    (req, res) => {
      inFlight++;
      res.once("close", () => inFlight--);
      // While draining, each answer closes its connection, so no keep-alive connection holds the drain open.
      if (options.drainSignal.aborted) res.setHeader("connection", "close");
      closeIfBodyUnread(req, res);
      // Only browsers send Origin, and CORS is only for them: every other call skips the middleware (it cost
      // about 6% of the app's CPU on GetProduct in `npm run bench`).
      if (req.headers.origin === undefined) void handler(req, res);
      else corsHandler(req, res, () => void handler(req, res));
    },
  );

  return {
    server,
    async drain(graceMs) {
      const deadline = Date.now() + graceMs;
      while (inFlight > 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
  };
}

/**
 * An answer sent before its request's body was read to the end (a body refused as too large, mid-read) closes
 * the connection: the unread rest would otherwise be taken for the next request on it, which then hangs.
 */
function closeIfBodyUnread(req: IncomingMessage, res: ServerResponse): void {
  // A request without a body is not "complete" until read either, so only bodies count.
  const hasBody =
    req.headers["transfer-encoding"] !== undefined || Number(req.headers["content-length"] ?? "0") > 0;
  if (!hasBody) return;
  const writeHead = res.writeHead;
  res.writeHead = function (this: ServerResponse, ...args: Parameters<ServerResponse["writeHead"]>) {
    if (!req.complete) {
      this.setHeader("connection", "close");
      this.shouldKeepAlive = false;
    }
    return writeHead.apply(this, args);
  } as ServerResponse["writeHead"];
}
