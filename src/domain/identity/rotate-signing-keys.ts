import { FailedPrecondition, NotFound } from "../shared/errors.js";
import { Violations } from "../shared/violations.js";
import type { IdentityDeps, SigningKeyInfo } from "./ports.js";

/**
 * Admin: makes a new access-token signing key. Every instance signs with it once it has reloaded its keys
 * (at once here, within SIGNING_KEY_RELOAD elsewhere); the older keys still verify until they are retired,
 * which should wait one access-token lifetime so no signed-in user is cut off.
 */
export function rotateSigningKeys(
  deps: Pick<IdentityDeps, "signingKeys">,
): Promise<{ readonly key: SigningKeyInfo; readonly active: readonly SigningKeyInfo[] }> {
  return deps.signingKeys.rotate();
}

/**
 * Admin: retires a signing key, so every token it signed is refused, by every instance within
 * SIGNING_KEY_RELOAD (on this one at once). The newest key cannot be retired: rotate first.
 */
export async function retireSigningKey(deps: Pick<IdentityDeps, "signingKeys">, kid: string): Promise<void> {
  const v = new Violations();
  v.check(kid.trim().length > 0, "kid", "is required");
  v.check(kid.length <= 100, "kid", "must be at most 100 characters");
  v.throwIfAny();
  const outcome = await deps.signingKeys.retire(kid.trim());
  if (outcome === "not_found") throw new NotFound("no active signing key has this kid");
  if (outcome === "newest")
    throw new FailedPrecondition("this is the key tokens are signed with: rotate first, then retire it");
}
