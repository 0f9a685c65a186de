import { InvalidArgument } from "../shared/errors.js";
import { createAccount } from "./create-account.js";
import type { IdentityDeps } from "./ports.js";
import type { Role } from "./role.js";
import type { User } from "./user.js";

export interface CreateUserCommand {
  readonly email: string;
  readonly username: string;
  readonly password: string;
  readonly role: Role | undefined;
}

/** An admin creates an account of any role (authorization is checked before this is called). */
export async function createUser(deps: IdentityDeps, command: CreateUserCommand): Promise<User> {
  const { role } = command;
  if (role === undefined) {
    throw InvalidArgument.field(
      "role",
      "must be one of ROLE_CUSTOMER, ROLE_ADMIN, ROLE_REGIONAL_OFFICE, ROLE_MANUFACTURER",
    );
  }
  return createAccount(deps, { ...command, role });
}
