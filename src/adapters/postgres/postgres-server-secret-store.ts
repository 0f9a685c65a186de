import type { Sql } from "./database.js";

/**
 * Secrets every instance must share (e.g. the page-token key), kept in the database like the signing keys.
 * The first instance to ask stores its random candidate; all others, then and later, read that one.
 */
export class PostgresServerSecretStore {
  constructor(private readonly sql: Sql) {}

  async ensure(name: string, candidate: Uint8Array): Promise<Uint8Array> {
    // ON CONFLICT waits for a concurrent inserter to commit, so the select below always sees the winner.
    await this.sql`
      insert into server_secrets (name, value) values (${name}, ${candidate}) on conflict (name) do nothing`;
    const [row] = await this.sql<
      { value: Uint8Array }[]
    >`select value from server_secrets where name = ${name}`;
    if (!row) throw new Error(`server secret ${name} is missing after insert`);
    return new Uint8Array(row.value);
  }
}
