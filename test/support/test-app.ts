import { randomBytes } from "node:crypto";
import type { Logger } from "pino";
import { type Config, loadConfig } from "../../src/app/config.js";
import { type RunningApp, startApp } from "../../src/app/container.js";
import { createTestDatabase, type DatabaseKind, type TestDatabase } from "./databases.js";

export const TEST_ADMIN = { email: "root@shopfloor.test", password: "Test-Admin-Passw0rd!" } as const;

export interface TestApp extends RunningApp {
  readonly database: TestDatabase;
}

/**
 * Starts the real app on free loopback ports against a database of its own (PostgreSQL or PGlite).
 * Pass `database` to start a second instance on the same database.
 *
 * kind "pglite" starts the embedded default itself (no DATABASE_URL: in-memory PGlite, in-process bus):
 * PGlite serves a single session, which the app must own, so `database.sql` is then the app's own pool.
 */
export async function startTestApp(
  options: {
    kind?: DatabaseKind;
    database?: TestDatabase;
    env?: Record<string, string>;
    /** Receives the app's log lines (e.g. to assert that something was not logged as an error). */
    logger?: Logger;
  } = {},
): Promise<TestApp> {
  if (options.kind === "pglite" && !options.database) return startEmbeddedTestApp(options.env);
  const database = options.database ?? (await createTestDatabase(options.kind ?? "postgres"));
  const config: Config = {
    ...loadConfig({
      HOST: "127.0.0.1",
      HTTP_PORT: "0",
      GRPC_PORT: "0",
      DATABASE_URL: database.url,
      DATABASE_POOL_SIZE: database.kind === "pglite" ? "1" : "10",
      ADMIN_EMAIL: TEST_ADMIN.email,
      ADMIN_PASSWORD: TEST_ADMIN.password,
      LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? "silent",
      SHUTDOWN_GRACE: "2s",
      ...options.env,
    }),
  };
  const app = await startApp(config, options.logger);
  return { ...app, database };
}

async function startEmbeddedTestApp(env: Record<string, string> = {}): Promise<TestApp> {
  const app = await startApp(
    loadConfig({
      HOST: "127.0.0.1",
      HTTP_PORT: "0",
      GRPC_PORT: "0",
      SHOPFLOOR_DATA_DIR: ":memory:",
      ADMIN_EMAIL: TEST_ADMIN.email,
      ADMIN_PASSWORD: TEST_ADMIN.password,
      LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? "silent",
      SHUTDOWN_GRACE: "2s",
      // The embedded demo loads demo data and advances orders by itself; tests make their own data and turn
      // the simulator on when they test it.
      DEMO_DATA: "false",
      ORDER_AUTO_ADVANCE: "off",
      ...env,
    }),
  );
  const database: TestDatabase = { kind: "pglite", url: "", sql: app.sql, drop: async () => {} };
  return { ...app, database };
}

export const uniqueName = (prefix: string): string => `${prefix}${randomBytes(4).toString("hex")}`;
