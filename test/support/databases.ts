import { randomBytes } from "node:crypto";
import { inject } from "vitest";
import { connectDatabase, type Sql } from "../../src/adapters/postgres/database.js";
import { startEmbeddedPostgres } from "../../src/adapters/postgres/embedded-postgres.js";
import { migrate } from "../../src/adapters/postgres/migrator.js";

export type DatabaseKind = "postgres" | "pglite";
export const DATABASE_KINDS: readonly DatabaseKind[] = ["postgres", "pglite"];

export interface TestDatabase {
  readonly kind: DatabaseKind;
  /** Connection URL of this test's own, migrated database. */
  readonly url: string;
  /** A pool on it (size 1 on PGlite). */
  readonly sql: Sql;
  drop(): Promise<void>;
}

/**
 * A fresh, migrated database of its own for one test file, so files run in parallel and runs never see each
 * other's data: a new database on the PostgreSQL server, or an in-memory PGlite served on a loopback port.
 */
export async function createTestDatabase(kind: DatabaseKind = "postgres"): Promise<TestDatabase> {
  if (kind === "pglite") {
    const embedded = await startEmbeddedPostgres(undefined);
    const sql = connectDatabase(embedded.url, { max: 1 });
    await migrate(sql);
    return {
      kind,
      url: embedded.url,
      sql,
      async drop() {
        await sql.end({ timeout: 5 });
        await embedded.stop();
      },
    };
  }
  const adminUrl = inject("postgresUrl");
  const name = `shopfloor_test_${randomBytes(6).toString("hex")}`;
  const admin = connectDatabase(adminUrl, { max: 1 });
  await admin.unsafe(`create database ${name}`);
  await admin.end();
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  const sql = connectDatabase(url.toString(), { max: 10 });
  await migrate(sql);
  return {
    kind,
    url: url.toString(),
    sql,
    async drop() {
      await sql.end({ timeout: 5 });
      const cleanup = connectDatabase(adminUrl, { max: 1 });
      await cleanup.unsafe(`drop database if exists ${name} with (force)`);
      await cleanup.end();
    },
  };
}
