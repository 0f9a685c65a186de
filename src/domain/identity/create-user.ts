import { Violations } from "../shared/violations.js";
import { createAccount } from "./create-account.js";
import { checkPartnerScope } from "./partner-scope.js";
import type { IdentityDeps } from "./ports.js";
import type { Role } from "./role.js";
import type { User } from "./user.js";

export interface CreateUserCommand {
  readonly email: string;
  readonly username: string;
  readonly password: string;
  readonly role: Role | undefined;
  /** REGIONAL_OFFICE only (required there). */
  readonly officeCode?: string | undefined;
  /** MANUFACTURER only (required there): existing brand codes. */
  readonly brands?: readonly string[] | undefined;
}

/** An admin creates an account of any role (authorization is checked before this is called). */
export async function createUser(deps: IdentityDeps, command: CreateUserCommand): Promise<User> {
  const { role } = command;
  const v = new Violations();
  if (role === undefined) {
    v.add("role", "must be one of ROLE_CUSTOMER, ROLE_ADMIN, ROLE_REGIONAL_OFFICE, ROLE_MANUFACTURER");
  }
  const scope = await checkPartnerScope(v, deps.brands, role, command.officeCode ?? "", command.brands ?? []);
  v.throwIfAny();
  return createAccount(deps, { ...command, role: role as Role, ...scope });
}
