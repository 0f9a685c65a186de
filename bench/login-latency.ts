// Measures Login latency and throughput over Connect JSON against a fresh app on PostgreSQL (or PGlite with
// --pglite). Usage: node --import tsx bench/login-latency.ts [--pglite] [--requests 200] [--concurrency 8]
import { parseArgs } from "node:util";
import { createClient } from "@connectrpc/connect";
import { createConnectTransport } from "@connectrpc/connect-node";
import { IdentityService } from "../gen/shopfloor/identity/v1/identity_pb.js";
import { loadConfig } from "../src/app/config.js";
import { startApp } from "../src/app/container.js";
import { createBenchDatabase } from "./bench-database.js";

const { values } = parseArgs({
  options: {
    pglite: { type: "boolean", default: false },
    requests: { type: "string", default: "200" },
    concurrency: { type: "string", default: "8" },
  },
});
const requests = Number(values.requests);
const concurrency = Number(values.concurrency);

const benchDatabase = values.pglite ? undefined : await createBenchDatabase();
const databaseUrl = benchDatabase?.url;
const app = await startApp(
  loadConfig({
    HOST: "127.0.0.1",
    HTTP_PORT: "0",
    GRPC_PORT: "0",
    LOG_LEVEL: "silent",
    ...(databaseUrl ? { DATABASE_URL: databaseUrl } : { SHOPFLOOR_DATA_DIR: ":memory:" }),
    LOGIN_MAX_FAILURES_PER_ADDRESS: "1000000",
    // One account logs in from every client at once; the throttle admits only 10 at a time by default.
    LOGIN_MAX_FAILURES_PER_ACCOUNT: "1000000",
    LOGIN_MAX_FAILURES_PER_ACCOUNT_AND_ADDRESS: "1000000",
    // The budgets still run on every call (what they cost is part of the figure), but never refuse.
    RATE_LIMIT_PER_ADDRESS: "1000000000",
    RATE_LIMIT_PER_ACCOUNT: "1000000000",
  }),
);
const client = createClient(
  IdentityService,
  createConnectTransport({ baseUrl: app.httpUrl, httpVersion: "1.1" }),
);
await client.register({ email: "bench@example.com", username: "bench", password: "bench-password-1" });

const latencies: number[] = [];
const started = performance.now();
let next = 0;
await Promise.all(
  Array.from({ length: concurrency }, async () => {
    while (next < requests) {
      next++;
      const t = performance.now();
      await client.login({ login: "bench", password: "bench-password-1" });
      latencies.push(performance.now() - t);
    }
  }),
);
const seconds = (performance.now() - started) / 1000;
latencies.sort((a, b) => a - b);
const pct = (p: number) =>
  latencies[Math.min(latencies.length - 1, Math.floor((p / 100) * latencies.length))]?.toFixed(1);
process.stdout.write(
  `${values.pglite ? "PGlite" : "PostgreSQL"}: ${requests} logins, concurrency ${concurrency}: ` +
    `${(requests / seconds).toFixed(0)}/s, p50 ${pct(50)} ms, p95 ${pct(95)} ms, p99 ${pct(99)} ms\n`,
);
await app.stop();
await benchDatabase?.drop();
process.exit(0);
