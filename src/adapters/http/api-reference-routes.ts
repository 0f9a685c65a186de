import { readFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import generatedDocument from "../../../gen/openapi.json" with { type: "json" };
import type { Access } from "../connect/access-policy.js";
import { type OpenApiDocument, servedOpenApiDocument } from "./openapi-document.js";
import { type PlainRoute, sendJson } from "./plain-routes.js";

// GET /openapi.json and GET /docs: the API reference, for people (Scalar, served from node_modules so that it
// works offline and sends nothing to a CDN) and for tools (Postman, code generators, validators).

const require = createRequire(import.meta.url);

/** Scalar's self-contained browser bundle. Its package exports no path to it, hence the walk from its entry. */
const scalarBundlePath = () =>
  join(dirname(require.resolve("@scalar/api-reference")), "browser", "standalone.js");

// Scalar's options: nothing fetched from elsewhere (fonts, telemetry, the AI agent, the request proxy), and
// "try it" sent straight to the server the page came from, with the bearer token field first.
const scalarConfiguration = {
  url: "/openapi.json",
  withDefaultFonts: false,
  telemetry: false,
  agent: { disabled: true },
  hideClientButton: true,
  showDeveloperTools: "never",
  persistAuth: true,
  authentication: { preferredSecurityScheme: "bearerAuth" },
  defaultOpenAllTags: true,
};

const docsPage = `<!doctype html>
<html lang="en">
  <head>
    <meta charset="utf-8" />
    <meta name="viewport" content="width=device-width, initial-scale=1" />
    <title>Shopfloor API reference</title>
  </head>
  <body>
    <div id="app"></div>
    <script src="/docs/scalar.js"></script>
    <script>Scalar.createApiReference("#app", ${JSON.stringify(scalarConfiguration)});</script>
  </body>
</html>
`;

/**
 * The reference routes. `routes` are the other plain routes, documented beside the RPCs from their own `doc`;
 * `accessPolicy` says who may call each RPC.
 */
export function apiReferenceRoutes(
  accessPolicy: Readonly<Record<string, Access>>,
  routes: readonly PlainRoute[],
): PlainRoute[] {
  let bundle: Promise<Buffer> | undefined;
  const readBundle = () =>
    readFile(scalarBundlePath()).catch((error: unknown) => {
      bundle = undefined;
      throw error;
    });
  const own: PlainRoute[] = [
    {
      method: "GET",
      path: "/openapi.json",
      handler: (req, res) => {
        // Absolute, so that tools importing the document (Postman) know where to call; the Host header only
        // names the server back to the client that sent it.
        const host = req.headers.host;
        const servers = host && /^[\w.:[\]-]+$/.test(host) ? [{ url: `http://${host}` }] : [{ url: "/" }];
        sendJson(res, 200, { ...document, servers }, { "cache-control": "no-cache" });
      },
      doc: {
        summary: "This document",
        description: "The OpenAPI 3.1 document of every RPC and plain route, generated from the protos.",
        responses: {
          "200": {
            description: "OpenAPI 3.1.",
            content: { "application/json": { schema: { type: "object" } } },
          },
        },
      },
    },
    {
      method: "GET",
      path: "/docs",
      handler: (_req, res) => {
        res.writeHead(200, {
          "content-type": "text/html; charset=utf-8",
          "content-length": Buffer.byteLength(docsPage),
        });
        res.end(docsPage);
      },
      doc: {
        summary: "Interactive API reference",
        description: "Read and try every RPC from a browser (works offline).",
        responses: {
          "200": { description: "An HTML page.", content: { "text/html": { schema: { type: "string" } } } },
        },
      },
    },
    {
      method: "GET",
      path: "/docs/scalar.js",
      handler: async (_req, res) => {
        bundle ??= readBundle();
        const body = await bundle;
        res.writeHead(200, {
          "content-type": "text/javascript; charset=utf-8",
          "content-length": body.length,
          "cache-control": "public, max-age=3600",
        });
        res.end(body);
      },
    },
  ];
  const document = servedOpenApiDocument(generatedDocument as OpenApiDocument, accessPolicy, [
    ...routes,
    ...own,
  ]);
  return own;
}
