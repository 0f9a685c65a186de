import { readdir, readFile } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import type { Sql } from "./database.js";

// Written here rather than taken from a library: the maintained runners (node-pg-migrate, umzug+pg, graphile)
// drive the `pg` driver, and postgres-shift takes no lock. This one is 40 lines: numbered .sql files, applied
// in order in one transaction under an advisory lock, so N instances can start at once and a failed
// migration leaves nothing half-applied.

const MIGRATIONS_DIR = fileURLToPath(new URL("./migrations/", import.meta.url));
/** Arbitrary but fixed: the key of the advisory lock that serialises migrations across instances. */
const MIGRATION_LOCK_KEY = 725_193_001;

export interface MigrationResult {
  readonly applied: string[];
}

export async function migrate(sql: Sql): Promise<MigrationResult> {
  const files = (await readdir(MIGRATIONS_DIR)).filter((f) => /^\d{3}_[a-z0-9_]+\.sql$/.test(f)).sort();
  const applied: string[] = [];
  await sql.begin(async (tx) => {
    // A transaction-scoped lock: released on commit or on a crash, never left behind.
    await tx`select pg_advisory_xact_lock(${MIGRATION_LOCK_KEY})`;
    await tx`create table if not exists schema_migrations (
      version text primary key, applied_at timestamptz not null default now())`;
    const done = new Set(
      (await tx<{ version: string }[]>`select version from schema_migrations`).map((r) => r.version),
    );
    for (const file of files) {
      if (done.has(file)) continue;
      const text = await readFile(MIGRATIONS_DIR + file, "utf8");
      await tx.unsafe(text);
      await tx`insert into schema_migrations (version) values (${file})`;
      applied.push(file);
    }
  });
  return { applied };
}
