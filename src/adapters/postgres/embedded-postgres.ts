import { existsSync } from "node:fs";
import { mkdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { PGlite } from "@electric-sql/pglite";
import { pg_trgm } from "@electric-sql/pglite/contrib/pg_trgm";
import { PGLiteSocketServer } from "@electric-sql/pglite-socket";

export interface EmbeddedPostgres {
  /** A postgres:// URL for postgres.js (use a pool of one: PGlite serves one session). */
  readonly url: string;
  stop(): Promise<void>;
}

/**
 * A freshly initialised, empty PGlite cluster, dumped by `npm install` (the `prepare` script runs
 * scripts/prepare-embedded-template.ts). initdb in WASM takes seconds; unpacking this takes under one, which is
 * what keeps the first `npm start` fast. Without it, PGlite simply runs initdb.
 */
export const EMBEDDED_TEMPLATE = join("node_modules", ".cache", "shopfloor", "pglite-template.tar.gz");

/**
 * The embedded default's database: PGlite (Postgres compiled to WASM) in `dataDir`, or in memory when
 * `dataDir` is undefined, served on a loopback port so the same postgres.js adapters run on it unchanged.
 */
export async function startEmbeddedPostgres(dataDir: string | undefined): Promise<EmbeddedPostgres> {
  let loadDataDir: Blob | undefined;
  if (dataDir) {
    await mkdir(dataDir, { recursive: true });
    const fresh = !existsSync(join(dataDir, "PG_VERSION"));
    if (fresh && existsSync(EMBEDDED_TEMPLATE)) loadDataDir = new Blob([await readFile(EMBEDDED_TEMPLATE)]);
  }
  // Extensions the migrations create must be loaded into the WASM build up front.
  const db = await PGlite.create({
    extensions: { pg_trgm },
    ...(dataDir ? { dataDir } : {}),
    ...(loadDataDir ? { loadDataDir } : {}),
  });
  const server = new PGLiteSocketServer({ db, host: "127.0.0.1", port: 0, maxConnections: 1 });
  await server.start();
  const address = server.getServerConn();
  return {
    url: `postgres://postgres@${address}/postgres?sslmode=disable`,
    async stop() {
      await server.stop();
      await db.close();
    },
  };
}
