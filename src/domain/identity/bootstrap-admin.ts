import { AlreadyExists } from "../shared/errors.js";
import { createAccount } from "./create-account.js";
import type { IdentityDeps } from "./ports.js";

export interface BootstrapAdminCommand {
  readonly email: string;
  readonly password: string;
  readonly username?: string;
}

/**
 * Creates the first admin when no admin exists yet; does nothing otherwise. Several instances starting at
 * once may all try: the unique email makes all but one fail, and those failures are swallowed here.
 */
export async function bootstrapAdmin(deps: IdentityDeps, command: BootstrapAdminCommand): Promise<boolean> {
  if (await deps.users.existsWithRole("ADMIN")) return false;
  try {
    await createAccount(deps, {
      email: command.email,
      username: command.username ?? "admin",
      password: command.password,
      role: "ADMIN",
    });
    return true;
  } catch (error) {
    if (error instanceof AlreadyExists) return false;
    throw error;
  }
}
