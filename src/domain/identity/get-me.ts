import { Unauthenticated } from "../shared/errors.js";
import type { IdentityDeps } from "./ports.js";
import type { Principal } from "./principal.js";
import type { User } from "./user.js";

/**
 * The caller's own account. A partner client (client-credentials token) is shown as an account without an
 * email or password, named after the client. A valid token whose user or client no longer exists is treated
 * as no token.
 */
export async function getMe(
  deps: Pick<IdentityDeps, "users" | "partnerClients">,
  principal: Principal,
): Promise<User> {
  const user = await deps.users.findById(principal.userId);
  if (user) return user;
  const client = await deps.partnerClients.findById(principal.userId);
  if (client && !client.disabled) {
    return {
      id: client.id,
      email: "",
      username: client.name,
      role: client.role,
      passwordHash: "",
      createTime: client.createTime,
      officeCode: client.officeCode,
      brands: client.brands,
    };
  }
  throw new Unauthenticated("the account of this token no longer exists");
}
