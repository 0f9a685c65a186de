import { InvalidArgument, Unauthenticated } from "../shared/errors.js";
import type { IdentityDeps } from "./ports.js";
import { openSession, type Session } from "./session.js";

const INVALID_REFRESH = "refresh token is invalid, expired or revoked";

type Outcome = { kind: "rotated"; session: Session } | { kind: "refused" };

/**
 * Rotates a refresh token: the presented one is spent and a new one of the same family is issued.
 * Presenting a spent token means it leaked (or a client replayed it): the whole family is revoked, which
 * logs out whoever holds its current token too. The revocation commits even though the call fails.
 */
export async function refreshSession(deps: IdentityDeps, refreshToken: string): Promise<Session> {
  if (refreshToken.length === 0) throw InvalidArgument.field("refresh_token", "is required");
  if (refreshToken.length > 512) throw new Unauthenticated(INVALID_REFRESH);
  const tokenHash = deps.refreshTokens.hash(refreshToken);

  const outcome = await deps.uow.run<Outcome>(async (tx) => {
    const record = await tx.refreshTokens.findByHashForUpdate(tokenHash);
    const now = deps.clock.now();
    if (!record || record.revokedAt || record.expiresAt <= now) return { kind: "refused" };
    if (record.rotatedAt) {
      await tx.refreshTokens.revokeFamily(record.familyId, now);
      return { kind: "refused" };
    }
    const user = await tx.users.findById(record.userId);
    if (!user) return { kind: "refused" };
    await tx.refreshTokens.markRotated(record.id, now);
    return { kind: "rotated", session: await openSession(deps, tx, user, record.familyId) };
  });
  if (outcome.kind === "refused") throw new Unauthenticated(INVALID_REFRESH);
  return outcome.session;
}
