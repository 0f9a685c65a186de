import type { RefreshTokenRecord, RefreshTokenStore } from "../../domain/identity/ports.js";
import type { SqlExecutor } from "./database.js";

interface RefreshTokenRow {
  id: string;
  family_id: string;
  user_id: string;
  token_hash: string;
  issued_at: Date;
  expires_at: Date;
  rotated_at: Date | null;
  revoked_at: Date | null;
}

export class PostgresRefreshTokenStore implements RefreshTokenStore {
  constructor(private readonly sql: SqlExecutor) {}

  async insert(r: RefreshTokenRecord): Promise<void> {
    await this.sql`
      insert into refresh_tokens (id, family_id, user_id, token_hash, issued_at, expires_at)
      values (${r.id}, ${r.familyId}, ${r.userId}, ${r.tokenHash}, ${r.issuedAt}, ${r.expiresAt})`;
  }

  async findByHashForUpdate(tokenHash: string): Promise<RefreshTokenRecord | undefined> {
    const [row] = await this.sql<RefreshTokenRow[]>`
      select * from refresh_tokens where token_hash = ${tokenHash} for update`;
    if (!row) return undefined;
    return {
      id: row.id,
      familyId: row.family_id,
      userId: row.user_id,
      tokenHash: row.token_hash,
      issuedAt: row.issued_at,
      expiresAt: row.expires_at,
      rotatedAt: row.rotated_at ?? undefined,
      revokedAt: row.revoked_at ?? undefined,
    };
  }

  async markRotated(id: string, at: Date): Promise<void> {
    await this.sql`update refresh_tokens set rotated_at = ${at} where id = ${id}`;
  }

  async revokeFamily(familyId: string, at: Date): Promise<void> {
    await this
      .sql`update refresh_tokens set revoked_at = ${at} where family_id = ${familyId} and revoked_at is null`;
  }
}
