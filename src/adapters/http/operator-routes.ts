import type { Metrics } from "../observability/metrics.js";
import { type PlainRoute, sendJson } from "./plain-routes.js";

export interface ReadinessCheck {
  readonly name: string;
  check(): Promise<void>;
}

/** /healthz (the process answers), /readyz (every dependency answers), /metrics, /.well-known/jwks.json. */
export function operatorRoutes(deps: {
  readonly readiness: readonly ReadinessCheck[];
  readonly metrics: Metrics;
  readonly jwks: () => unknown;
}): PlainRoute[] {
  return [
    { method: "GET", path: "/healthz", handler: (_req, res) => sendJson(res, 200, { status: "ok" }) },
    {
      method: "GET",
      path: "/readyz",
      handler: async (_req, res) => {
        const results = await Promise.all(
          deps.readiness.map(async (r) => {
            try {
              await withTimeout(r.check(), 2000);
              return [r.name, "ok"] as const;
            } catch {
              return [r.name, "unavailable"] as const;
            }
          }),
        );
        const ready = results.every(([, s]) => s === "ok");
        sendJson(res, ready ? 200 : 503, {
          status: ready ? "ready" : "not ready",
          checks: Object.fromEntries(results),
        });
      },
    },
    {
      method: "GET",
      path: "/metrics",
      handler: async (_req, res) => {
        const text = await deps.metrics.registry.metrics();
        res.writeHead(200, { "content-type": deps.metrics.registry.contentType });
        res.end(text);
      },
    },
    {
      method: "GET",
      path: "/.well-known/jwks.json",
      handler: (_req, res) => sendJson(res, 200, deps.jwks(), { "cache-control": "public, max-age=300" }),
    },
  ];
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error("timeout")), ms);
    promise.then(
      (v) => {
        clearTimeout(timer);
        resolve(v);
      },
      (e: unknown) => {
        clearTimeout(timer);
        reject(e);
      },
    );
  });
}
