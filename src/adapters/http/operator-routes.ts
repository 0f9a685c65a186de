import { createHash, timingSafeEqual } from "node:crypto";
import type { Metrics } from "../observability/metrics.js";
import { type PlainRoute, sendJson } from "./plain-routes.js";

export interface ReadinessCheck {
  readonly name: string;
  check(): Promise<void>;
}

/**
 * /healthz (the process answers), /readyz (every dependency answers), /metrics (unless it is served on its own
 * address: `metricsHere: false`), /.well-known/jwks.json.
 */
export function operatorRoutes(deps: {
  readonly readiness: readonly ReadinessCheck[];
  readonly metrics: Metrics;
  readonly jwks: () => unknown;
  readonly metricsToken?: string | undefined;
  readonly metricsHere?: boolean;
}): PlainRoute[] {
  return [
    {
      method: "GET",
      path: "/healthz",
      handler: (_req, res) => sendJson(res, 200, { status: "ok" }),
      doc: {
        summary: "Liveness",
        description: "The process answers. Anyone may call.",
        responses: { "200": jsonResponse("Alive.", statusBody(["ok"])) },
      },
    },
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
      doc: {
        summary: "Readiness",
        description:
          "PostgreSQL (and NATS, when configured) answer, and the instance is not stopping. Anyone may call.",
        responses: {
          "200": jsonResponse("Ready.", readinessBody),
          "503": jsonResponse("A dependency does not answer, or the instance is stopping.", readinessBody),
        },
      },
    },
    ...(deps.metricsHere === false ? [] : [metricsRoute(deps.metrics, deps.metricsToken)]),
    {
      method: "GET",
      path: "/.well-known/jwks.json",
      handler: (_req, res) => sendJson(res, 200, deps.jwks(), { "cache-control": "public, max-age=300" }),
      doc: {
        summary: "Token signing keys (JWKS)",
        description:
          "The public Ed25519 keys that sign access tokens, to verify them elsewhere. Anyone may call.",
        responses: { "200": jsonResponse("A JSON Web Key Set (RFC 7517).", jwksBody) },
      },
    },
  ];
}

const jsonResponse = (description: string, schema: Record<string, unknown>) => ({
  description,
  content: { "application/json": { schema } },
});

const statusBody = (values: string[]) => ({
  type: "object",
  required: ["status"],
  properties: { status: { type: "string", enum: values } },
});

const readinessBody = {
  type: "object",
  required: ["status", "checks"],
  properties: {
    status: { type: "string", enum: ["ready", "not ready"] },
    checks: {
      type: "object",
      description: "Each dependency by name (e.g. `database`, `nats`, `serving`).",
      additionalProperties: { type: "string", enum: ["ok", "unavailable"] },
    },
  },
};

const jwksBody = {
  type: "object",
  required: ["keys"],
  properties: {
    keys: {
      type: "array",
      items: {
        type: "object",
        required: ["kty", "kid"],
        properties: {
          kty: { type: "string", enum: ["OKP"] },
          crv: { type: "string", enum: ["Ed25519"] },
          alg: { type: "string", enum: ["EdDSA"] },
          use: { type: "string", enum: ["sig"] },
          kid: { type: "string" },
          x: { type: "string", description: "The public key, base64url." },
        },
      },
    },
  },
};
/**
 * GET /metrics in Prometheus' text format. With a token, only `authorization: Bearer <token>` reads it (401
 * otherwise): metric names and labels map the API, and counts tell traffic. Compared in constant time.
 */
export function metricsRoute(metrics: Metrics, token: string | undefined): PlainRoute {
  const expected = token === undefined ? undefined : digest(token);
  return {
    method: "GET",
    path: "/metrics",
    handler: async (req, res) => {
      if (expected) {
        const given = /^Bearer\s+(\S+)$/i.exec(req.headers.authorization ?? "")?.[1] ?? "";
        if (!timingSafeEqual(digest(given), expected)) {
          sendJson(
            res,
            401,
            { error: "metrics need 'authorization: Bearer <METRICS_TOKEN>'" },
            {
              "www-authenticate": 'Bearer realm="metrics"',
            },
          );
          return;
        }
      }
      const text = await metrics.registry.metrics();
      res.writeHead(200, { "content-type": metrics.registry.contentType });
      res.end(text);
    },
    doc: {
      summary: "Prometheus metrics",
      description:
        "RPC counts and latencies, event relay, consumer and webhook figures, in the Prometheus text format. " +
        "With METRICS_TOKEN set, only `authorization: Bearer <METRICS_TOKEN>` reads it (401 otherwise).",
      responses: {
        "200": {
          description: "Prometheus text format.",
          content: { "text/plain": { schema: { type: "string" } } },
        },
        "401": {
          description: "METRICS_TOKEN is set and the request does not carry it.",
          content: { "application/json": { schema: { type: "object" } } },
        },
      },
    },
  };
}

const digest = (text: string) => createHash("sha256").update(text).digest();

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
