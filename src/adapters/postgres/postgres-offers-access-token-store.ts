import type { Sql } from "./database.js";

/**
 * The Offers service's access token, in the one row of offers_access_token that every instance reads. A
 * renewal is guarded by a lease (renewing_until) taken with one conditional UPDATE rather than a row lock
 * held across the HTTP call, so no connection waits on the Offers service (on PGlite the pool is one
 * connection: a held lock would stall every read for as long as /auth takes).
 */
export class PostgresOffersAccessTokenStore {
  constructor(private readonly sql: Sql) {}

  async read(): Promise<{ token: string | undefined; expiresAt: Date | undefined }> {
    const [row] = await this.sql<{ access_token: string | null; expires_at: Date | null }[]>`
      select access_token, expires_at from offers_access_token where id`;
    return { token: row?.access_token ?? undefined, expiresAt: row?.expires_at ?? undefined };
  }

  /**
   * Takes the renewal lease for `leaseMs` when no other instance holds it and the stored token is still
   * `seen` (else someone renewed since it was read: use theirs). True when this caller may call /auth.
   */
  async claimRenewal(seen: string | undefined, leaseMs: number): Promise<boolean> {
    const rows = await this.sql`
      update offers_access_token
      set renewing_until = now() + make_interval(secs => ${leaseMs / 1000})
      where id and (renewing_until is null or renewing_until < now())
        and access_token is not distinct from ${seen ?? null}
      returning id`;
    return rows.length === 1;
  }

  /** Stores the token /auth issued and releases the lease. */
  async store(token: string, expiresAt: Date): Promise<void> {
    await this.sql`
      update offers_access_token
      set access_token = ${token}, expires_at = ${expiresAt}, renewing_until = null,
          renewals = renewals + 1, update_time = now()
      where id`;
  }

  async extend(token: string, expiresAt: Date): Promise<void> {
    await this.sql`
      update offers_access_token
      set expires_at = ${expiresAt}, renewing_until = null, update_time = now()
      where id and access_token = ${token}`;
  }

  async releaseRenewal(): Promise<void> {
    await this.sql`update offers_access_token set renewing_until = null where id`;
  }
}
