import type { IdentityDeps, IdentityTx } from "./ports.js";
import { principalOf } from "./principal.js";
import type { User } from "./user.js";

export interface Session {
  readonly accessToken: string;
  readonly refreshToken: string;
  readonly expiresInSeconds: number;
  readonly user: User;
}

/** Stores a new refresh token in `familyId` (a new family for a login) and signs an access token. */
export async function openSession(
  deps: IdentityDeps,
  tx: Pick<IdentityTx, "refreshTokens">,
  user: User,
  familyId: string,
): Promise<Session> {
  const refreshToken = deps.refreshTokens.generate();
  const now = deps.clock.now();
  await tx.refreshTokens.insert({
    id: deps.ids.newId(),
    familyId,
    userId: user.id,
    tokenHash: deps.refreshTokens.hash(refreshToken),
    issuedAt: now,
    expiresAt: new Date(now.getTime() + deps.refreshTokenTtlSeconds * 1000),
  });
  const access = await deps.accessTokens.issue(principalOf(user));
  return { accessToken: access.token, expiresInSeconds: access.expiresInSeconds, refreshToken, user };
}
