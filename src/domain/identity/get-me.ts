import { Unauthenticated } from "../shared/errors.js";
import type { IdentityDeps } from "./ports.js";
import type { Principal } from "./principal.js";
import type { User } from "./user.js";

/** The caller's own account. A valid token for a user that no longer exists is treated as no token. */
export async function getMe(deps: Pick<IdentityDeps, "users">, principal: Principal): Promise<User> {
  const user = await deps.users.findById(principal.userId);
  if (!user) throw new Unauthenticated("the account of this token no longer exists");
  return user;
}
