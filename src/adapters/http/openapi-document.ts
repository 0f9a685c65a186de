import type { Access } from "../connect/access-policy.js";
import type { OpenApiOperation, PlainRoute } from "./plain-routes.js";

// The OpenAPI document as served: the one generated from the protos (gen/openapi.json, scripts/
// protoc-gen-openapi.ts), plus who may call each RPC, taken from the access policy the auth interceptor
// enforces, plus the plain routes as they declare themselves. Each part comes from the one place that decides
// it, so none can drift from what the server does.

export interface OpenApiDocument {
  readonly paths: Record<string, Record<string, Record<string, unknown>>>;
  readonly [key: string]: unknown;
}

export function servedOpenApiDocument(
  generated: OpenApiDocument,
  accessPolicy: Readonly<Record<string, Access>>,
  routes: readonly PlainRoute[],
): OpenApiDocument {
  const document = structuredClone(generated) as OpenApiDocument;
  for (const item of Object.values(document.paths)) {
    for (const operation of Object.values(item)) {
      const rpc = operation["x-shopfloor-rpc"];
      if (typeof rpc === "string") Object.assign(operation, accessOf(accessPolicy[rpc], operation));
    }
  }
  for (const route of routes) {
    const path = typeof route.path === "string" ? route.path : route.docPath;
    if (!route.doc || path === undefined) continue;
    const item = document.paths[path] ?? {};
    item[route.method.toLowerCase()] = { tags: ["HTTP routes"], ...route.doc } as Record<string, unknown>;
    document.paths[path] = item;
  }
  const tags = (document.tags as unknown[] | undefined) ?? [];
  return {
    ...document,
    tags: [...tags, { name: "HTTP routes", description: "Plain HTTP routes beside the RPCs." }],
  };
}

function accessOf(access: Access | undefined, operation: OpenApiOperation): Record<string, unknown> {
  const [who, security, roles] =
    access === undefined
      ? ["nobody: the RPC is missing from the access policy, so it is refused", [{ bearerAuth: [] }], []]
      : access === "public"
        ? ["anyone; no token needed", [], undefined]
        : access === "authenticated"
          ? ["any signed-in user (bearer token)", [{ bearerAuth: [] }], undefined]
          : [
              `signed-in users with the role ${access.join(" or ")} (bearer token)`,
              [{ bearerAuth: [] }],
              access,
            ];
  const description = typeof operation.description === "string" ? `${operation.description}\n\n` : "";
  return {
    description: `${description}**Who may call:** ${who}.`,
    security,
    ...(roles ? { "x-shopfloor-roles": roles } : {}),
  };
}
