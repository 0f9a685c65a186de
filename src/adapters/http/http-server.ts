import { createServer, type Server } from "node:http";
import { type ConnectRouter, cors as connectCors, createContextValues } from "@connectrpc/connect";
import { connectNodeAdapter } from "@connectrpc/connect-node";
import cors from "cors";
import { peerAddressKey } from "../connect/rpc-context.js";
import type { InterceptedService } from "../connect/rpc-interceptor.js";
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
  /** Logs a failure of a plain route (a bug); the caller gets a bare 500. */
  readonly onRouteError?: (error: unknown) => void;
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
  const handler = connectNodeAdapter({
    routes: (router: ConnectRouter) => {
      for (const { service, impl } of options.services) router.service(service, impl);
    },
    readMaxBytes: options.maxBodyBytes,
    // Every field in every JSON answer, zero values included (`stockQuantity: 0`, `archived: false`): clients
    // such as S1's mobile app read a field's absence as "unknown", not as zero.
    jsonOptions: { alwaysEmitImplicit: true },
    contextValues: (req) => createContextValues().set(peerAddressKey, req.socket.remoteAddress),
    shutdownSignal: options.shutdownSignal,
    grpc: false,
    // Connect is served over HTTP/1.1 here, so the fallback only ever sees http.IncomingMessage.
    fallback: plainRouter(options.routes, options.onRouteError ?? (() => {})) as NonNullable<
      Parameters<typeof connectNodeAdapter>[0]["fallback"]
    >,
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
  const server = createServer((req, res) => {
    inFlight++;
    res.once("close", () => inFlight--);
    // While draining, each answer closes its connection, so no keep-alive connection holds the drain open.
    if (options.drainSignal.aborted) res.setHeader("connection", "close");
    // Only browsers send Origin, and CORS is only for them: every other call skips the middleware (it cost
    // about 6% of the app's CPU on GetProduct in `npm run bench`).
    if (req.headers.origin === undefined) void handler(req, res);
    else corsHandler(req, res, () => void handler(req, res));
  });
  server.requestTimeout = 60_000;
  server.headersTimeout = 15_000;

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
