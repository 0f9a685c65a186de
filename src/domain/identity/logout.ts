import { InvalidArgument } from "../shared/errors.js";
import type { IdentityDeps } from "./ports.js";

/**
 * Revokes the family of the presented refresh token. Idempotent: an unknown or already revoked token is
 * accepted silently, so Logout never tells a caller whether a token existed.
 */
export async function logout(deps: IdentityDeps, refreshToken: string): Promise<void> {
  if (refreshToken.length === 0) throw InvalidArgument.field("refresh_token", "is required");
  if (refreshToken.length > 512) return;
  const tokenHash = deps.refreshTokens.hash(refreshToken);
  await deps.uow.run(async (tx) => {
    const record = await tx.refreshTokens.findByHashForUpdate(tokenHash);
    if (record && !record.revokedAt) await tx.refreshTokens.revokeFamily(record.familyId, deps.clock.now());
  });
}
