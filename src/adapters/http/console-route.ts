import { createReadStream, existsSync } from "node:fs";
import { readFile, stat } from "node:fs/promises";
import { dirname, extname, join, normalize, sep } from "node:path";
import { fileURLToPath } from "node:url";
import type { PlainRoute } from "./plain-routes.js";

// The web console (web/, built by Vite into dist/console) served from the same origin as the API, so it needs
// no CORS and no second server. A static-file library (serve-static, sirv) would bring its own routing and
// header rules for three cases we need exactly: hashed assets cached for a year, index.html never cached, and
// every other path under /console answered with index.html (the console routes in the browser).

const TYPES: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".svg": "image/svg+xml",
  ".png": "image/png",
  ".ico": "image/x-icon",
  ".json": "application/json",
  ".woff2": "font/woff2",
};

/** The console only talks to its own origin; nothing inline, nothing framed. */
const CONTENT_SECURITY_POLICY =
  "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; " +
  "frame-ancestors 'none'; base-uri 'self'; form-action 'self'";

/**
 * dist/console of the project this code runs from: the nearest folder above it with a package.json, whether
 * that is the bundle (dist/main.js) or the sources (src/adapters/http/ under vitest).
 */
export function builtConsoleDir(from: string = import.meta.url): string {
  let dir = dirname(fileURLToPath(from));
  while (!existsSync(join(dir, "package.json")) && dirname(dir) !== dir) dir = dirname(dir);
  return join(dir, "dist", "console");
}

function safeDecode(path: string): string | undefined {
  try {
    return decodeURIComponent(path);
  } catch {
    return undefined;
  }
}

export function consoleRoute(dir: string = builtConsoleDir()): PlainRoute {
  const root = normalize(dir + sep);
  let index: Promise<Buffer | undefined> | undefined;
  const readIndex = () => {
    index ??= readFile(join(root, "index.html")).catch(() => undefined);
    return index;
  };
  return {
    method: "GET",
    path: /^\/console(\/.*)?$/,
    async handler(req, res) {
      const path = safeDecode((req.url ?? "/").split("?")[0] ?? "/")?.slice("/console".length);
      if (path === undefined || path.includes("\0")) {
        res.writeHead(400, { "content-type": "text/plain" }).end("bad path");
        return;
      }
      const file = normalize(join(root, path));
      const security = {
        "content-security-policy": CONTENT_SECURITY_POLICY,
        "x-content-type-options": "nosniff",
      };
      if (file.startsWith(root) && file !== root && path.startsWith("/assets/")) {
        const info = await stat(file).catch(() => undefined);
        if (info?.isFile()) {
          res.writeHead(200, {
            "content-type": TYPES[extname(file)] ?? "application/octet-stream",
            "content-length": info.size,
            // Vite names every asset by its content hash: a changed file is a new name.
            "cache-control": "public, max-age=31536000, immutable",
            ...security,
          });
          if (req.method === "HEAD") return void res.end();
          createReadStream(file).pipe(res);
          return;
        }
        res.writeHead(404, { "content-type": "text/plain" }).end("not found");
        return;
      }
      const html = await readIndex();
      if (!html) {
        res
          .writeHead(503, { "content-type": "text/plain; charset=utf-8" })
          .end("The console is not built: run `npm run build:console` (npm install and npm start do it).");
        index = undefined;
        return;
      }
      res.writeHead(200, {
        "content-type": TYPES[".html"],
        "content-length": html.length,
        "cache-control": "no-cache",
        ...security,
      });
      res.end(req.method === "HEAD" ? undefined : html);
    },
  };
}
