import { addressGroup } from "../shared/client-address.js";
import { ResourceExhausted } from "../shared/errors.js";
import { AccountTaken, checkAccountFields, createAccount } from "./create-account.js";
import type { IdentityDeps } from "./ports.js";
import type { User } from "./user.js";

export interface RegisterCommand {
  readonly email: string;
  readonly username: string;
  readonly password: string;
  /** The caller's network address, when the transport knows it. */
  readonly clientAddress?: string | undefined;
}

/**
 * Self-service sign-up: always a customer. Throttled per client network and in total before any work, and
 * uniqueness is checked before the password is hashed, so sign-up is no free CPU lever.
 *
 * A taken email is answered exactly as a new account would be (the same shape, about the same time, nothing
 * stored, no event), so Register does not tell who has an account; see docs/decisions.md. A taken username is
 * ALREADY_EXISTS: the caller has to pick another, and a username names no one.
 */
export async function register(deps: IdentityDeps, command: RegisterCommand): Promise<User> {
  const fields = checkAccountFields(command);
  const admission = await deps.signUpThrottle.admit(
    command.clientAddress ? addressGroup(command.clientAddress) : undefined,
  );
  if (!admission.admitted) {
    throw new ResourceExhausted(
      `too many sign-ups: try again in ${admission.retryAfterSeconds} s`,
      admission.retryAfterSeconds,
    );
  }
  try {
    return await createAccount(deps, { ...command, role: "CUSTOMER" });
  } catch (error) {
    if (!(error instanceof AccountTaken) || error.field !== "email") throw error;
    // Found before hashing: spend the time the hash would have. Lost a race at insert: it was spent.
    if (!error.afterHash) await deps.passwords.imitateHash();
    return {
      id: deps.ids.newId(),
      email: fields.email,
      username: fields.username,
      role: "CUSTOMER",
      passwordHash: "",
      createTime: deps.clock.now(),
    };
  }
}
