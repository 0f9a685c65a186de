import { connectDatabase } from "../src/adapters/postgres/database.js";

/** A throwaway database for one bench run on the PostgreSQL at DATABASE_URL (or the local one). */
export interface BenchDatabase {
  readonly url: string;
  drop(): Promise<void>;
}

export async function createBenchDatabase(): Promise<BenchDatabase> {
  const adminUrl = process.env.DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/postgres";
  const name = `shopfloor_bench_${Date.now()}`;
  const admin = connectDatabase(adminUrl, { max: 1 });
  await admin.unsafe(`create database ${name}`);
  await admin.end();
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    async drop() {
      const cleanup = connectDatabase(adminUrl, { max: 1 });
      await cleanup.unsafe(`drop database if exists ${name} with (force)`);
      await cleanup.end();
    },
  };
}
