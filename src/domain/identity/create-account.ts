import { AlreadyExists } from "../shared/errors.js";
import { Violations } from "../shared/violations.js";
import { checkEmail, checkPassword, checkUsername } from "./credentials-policy.js";
import type { UserRegistered } from "./events.js";
import type { IdentityDeps } from "./ports.js";
import type { Role } from "./role.js";
import type { User } from "./user.js";

export interface CreateAccountCommand {
  readonly email: string;
  readonly username: string;
  readonly password: string;
  readonly role: Role;
  /** Already checked by checkPartnerScope (partner users only). */
  readonly officeCode?: string | undefined;
  readonly brands?: readonly string[] | undefined;
}

/** An email or username that an account already has; `afterHash` when found only at insert (a race). */
export class AccountTaken extends AlreadyExists {
  constructor(
    message: string,
    field: "email" | "username",
    readonly afterHash: boolean,
  ) {
    super(message, field);
  }
}

/** Validates the fields of a new account (every bad one at once) and returns them trimmed. */
export function checkAccountFields(command: Omit<CreateAccountCommand, "role">): {
  email: string;
  username: string;
} {
  const email = command.email.trim();
  const username = command.username.trim();
  const v = new Violations();
  checkEmail(v, "email", email);
  checkUsername(v, "username", username);
  checkPassword(v, "password", command.password);
  v.throwIfAny();
  return { email, username };
}

const TAKEN = {
  email: "email: an account with this email exists",
  username: "username: this username is taken",
} as const;

/**
 * Validates, checks uniqueness, hashes and stores a new account with its `identity.user_registered` event.
 * Uniqueness is checked before the (deliberately slow) hash, so a taken name costs no hashing; the unique
 * indexes still decide a race between two sign-ups.
 */
export async function createAccount(
  deps: Pick<IdentityDeps, "uow" | "users" | "passwords" | "clock" | "ids">,
  command: CreateAccountCommand,
): Promise<User> {
  const { email, username } = checkAccountFields(command);
  const taken = await deps.users.findTaken(email, username);
  if (taken.username) throw new AccountTaken(TAKEN.username, "username", false);
  if (taken.email) throw new AccountTaken(TAKEN.email, "email", false);

  const passwordHash = await deps.passwords.hash(command.password);
  const now = deps.clock.now();
  const user: User = {
    id: deps.ids.newId(),
    email,
    username,
    role: command.role,
    passwordHash,
    createTime: now,
    officeCode: command.officeCode,
    brands: command.brands ?? [],
  };
  const event: UserRegistered = {
    id: deps.ids.newId(),
    type: "identity.user_registered",
    aggregateId: user.id,
    occurredAt: now,
    payload: { userId: user.id, email, username, role: user.role, createTime: now },
  };
  try {
    await deps.uow.run(async (tx) => {
      await tx.users.insert(user);
      await tx.outbox.append(event);
    });
  } catch (error) {
    if (error instanceof AlreadyExists && (error.field === "email" || error.field === "username"))
      throw new AccountTaken(TAKEN[error.field], error.field, true);
    throw error;
  }
  return user;
}
