import type { IncomingMessage, ServerResponse } from "node:http";

export type PlainHandler = (req: IncomingMessage, res: ServerResponse) => Promise<void> | void;

/** An OpenAPI 3.1 Operation object: how /openapi.json describes a plain route. */
export type OpenApiOperation = Readonly<Record<string, unknown>>;

/** A plain HTTP route beside the Connect routes: exact method and path, or a path pattern. */
export interface PlainRoute {
  readonly method: "GET" | "POST";
  readonly path: string | RegExp;
  readonly handler: PlainHandler;
  /**
   * The route in /openapi.json, declared beside it so that a new route is documented where it is written.
   * A route of a pattern path is documented under `docPath` (an OpenAPI path template such as
   * `/v1/update-state-webhook/{purchase_id}`), or left out without one; internal routes may leave it out too.
   */
  readonly doc?: OpenApiOperation;
  readonly docPath?: string;
}

export function sendJson(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    "content-type": "application/json",
    "content-length": Buffer.byteLength(text),
    ...headers,
  });
  res.end(text);
}

/**
 * Dispatches the few plain routes (health, metrics, JWKS, docs, the seeds' REST paths) that sit next to the
 * Connect router. A handful of fixed paths need no routing library.
 */
export function plainRouter(routes: readonly PlainRoute[], onError: (error: unknown) => void): PlainHandler {
  return async (req, res) => {
    const path = (req.url ?? "/").split("?")[0] ?? "/";
    const matching = routes.filter((r) => (typeof r.path === "string" ? r.path === path : r.path.test(path)));
    const route = matching.find(
      (r) => r.method === req.method || (r.method === "GET" && req.method === "HEAD"),
    );
    if (!route) {
      if (matching.length > 0) {
        return sendJson(
          res,
          405,
          { error: "method not allowed" },
          { allow: matching.map((r) => r.method).join(", ") },
        );
      }
      return sendJson(res, 404, { error: "not found" });
    }
    try {
      await route.handler(req, res);
    } catch (error) {
      // The client left (mid-upload, say): nobody's bug, and free to repeat, so not logged.
      if (req.destroyed || res.destroyed) {
        res.destroy();
        return;
      }
      // A bug: logged with its stack, answered without detail.
      onError(error);
      if (!res.headersSent) sendJson(res, 500, { error: "internal error" });
      else res.destroy();
    }
  };
}
