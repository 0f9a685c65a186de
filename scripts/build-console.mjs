// Builds the web console (web/ -> dist/console) when it is missing or older than its sources, so `npm start`
// costs nothing extra when nothing changed. Plain ESM, not TypeScript: it runs before anything else is built.
import { existsSync, readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { build } from "vite";

const root = new URL("..", import.meta.url).pathname;
const output = join(root, "dist", "console", "index.html");

function newest(dir) {
  let latest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    latest = Math.max(latest, entry.isDirectory() ? newest(path) : statSync(path).mtimeMs);
  }
  return latest;
}

const force = process.argv.includes("--force");
const sources = Math.max(newest(join(root, "web")), newest(join(root, "gen")));
if (!force && existsSync(output) && statSync(output).mtimeMs >= sources) process.exit(0);
await build({ configFile: join(root, "web", "vite.config.ts"), logLevel: "warn" });
