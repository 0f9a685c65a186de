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

/** Validates, hashes and stores a new account with its `identity.user_registered` event. */
export async function createAccount(
  deps: Pick<IdentityDeps, "uow" | "passwords" | "clock" | "ids">,
  command: CreateAccountCommand,
): Promise<User> {
  const email = command.email.trim();
  const username = command.username.trim();
  const v = new Violations();
  checkEmail(v, "email", email);
  checkUsername(v, "username", username);
  checkPassword(v, "password", command.password);
  v.throwIfAny();

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
  await deps.uow.run(async (tx) => {
    await tx.users.insert(user);
    await tx.outbox.append(event);
  });
  return user;
}
