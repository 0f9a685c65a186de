import { createAccount } from "./create-account.js";
import type { IdentityDeps } from "./ports.js";
import type { User } from "./user.js";

export interface RegisterCommand {
  readonly email: string;
  readonly username: string;
  readonly password: string;
}

/** Self-service sign-up: always a customer. */
export function register(deps: IdentityDeps, command: RegisterCommand): Promise<User> {
  return createAccount(deps, { ...command, role: "CUSTOMER" });
}
