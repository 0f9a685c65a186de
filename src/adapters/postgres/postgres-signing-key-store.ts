import type { SigningKey, SigningKeyStore } from "../../domain/identity/ports.js";
import type { Sql } from "./database.js";

const SIGNING_KEY_LOCK = 725_193_002;
/** NOTIFY channel telling every instance to reload its keys now rather than at its next periodic reload. */
const CHANGED = "signing_keys_changed";

interface SigningKeyRow {
  kid: string;
  algorithm: string;
  private_jwk: Record<string, unknown>;
  public_jwk: Record<string, unknown>;
  create_time: Date;
}

const toKey = (r: SigningKeyRow): SigningKey => ({
  kid: r.kid,
  algorithm: r.algorithm,
  privateJwk: r.private_jwk,
  publicJwk: r.public_jwk,
  createTime: r.create_time,
});

/**
 * Signing keys live in the database so every instance signs with the same key and verifies the others'
 * tokens. The private key is stored as a JWK: whoever can read this table can mint tokens, the same trust
 * as whoever can write the users table. Supplying keys from a secret store by env is a later option.
 */
export class PostgresSigningKeyStore implements SigningKeyStore {
  constructor(private readonly sql: Sql) {}

  async listActive(): Promise<SigningKey[]> {
    const rows = await this.sql<SigningKeyRow[]>`
      select * from signing_keys where retire_time is null order by create_time desc`;
    return rows.map(toKey);
  }

  async insert(key: SigningKey): Promise<void> {
    await this.sql.begin(async (tx) => {
      await tx`
        insert into signing_keys (kid, algorithm, private_jwk, public_jwk, create_time)
        values (${key.kid}, ${key.algorithm}, ${tx.json(key.privateJwk as never)},
                ${tx.json(key.publicJwk as never)}, ${key.createTime})`;
      await tx`select pg_notify(${CHANGED}, ${key.kid})`;
    });
  }

  async retire(kid: string, at: Date): Promise<"retired" | "newest" | "not_found"> {
    return this.sql.begin(async (tx) => {
      // Under the lock that creation takes too, so "not the newest" still holds when the row changes.
      await tx`select pg_advisory_xact_lock(${SIGNING_KEY_LOCK})`;
      const active = await tx<{ kid: string }[]>`
        select kid from signing_keys where retire_time is null order by create_time desc`;
      if (!active.some((k) => k.kid === kid)) return "not_found";
      if (active[0]?.kid === kid) return "newest";
      await tx`update signing_keys set retire_time = ${at} where kid = ${kid}`;
      await tx`select pg_notify(${CHANGED}, ${kid})`;
      return "retired";
    });
  }

  /**
   * Calls `onChange` whenever any instance adds or retires a key (LISTEN; needs a server with sessions to
   * spare, so not the single-session embedded PGlite, which relies on the periodic reload alone).
   */
  async watch(onChange: () => void): Promise<{ stop(): Promise<void> }> {
    const { unlisten } = await this.sql.listen(CHANGED, () => onChange());
    return { stop: () => unlisten() };
  }

  async ensureOne(candidate: SigningKey): Promise<SigningKey[]> {
    return this.sql.begin(async (tx) => {
      await tx`select pg_advisory_xact_lock(${SIGNING_KEY_LOCK})`;
      const [existing] = await tx`select 1 from signing_keys where retire_time is null limit 1`;
      if (!existing) {
        await tx`
          insert into signing_keys (kid, algorithm, private_jwk, public_jwk, create_time)
          values (${candidate.kid}, ${candidate.algorithm}, ${tx.json(candidate.privateJwk as never)},
                  ${tx.json(candidate.publicJwk as never)}, ${candidate.createTime})`;
      }
      const rows = await tx<SigningKeyRow[]>`
        select * from signing_keys where retire_time is null order by create_time desc`;
      return rows.map(toKey);
    });
  }
}
