import { addressGroup } from "../shared/client-address.js";
import { ResourceExhausted, Unauthenticated } from "../shared/errors.js";
import { hasControlCharacters } from "../shared/text-rules.js";
import { Violations } from "../shared/violations.js";
import type { IdentityDeps } from "./ports.js";
import { openSession, type Session } from "./session.js";

export interface LoginCommand {
  /** Username or email. */
  readonly login: string;
  readonly password: string;
  /** The caller's network address, when the transport knows it. */
  readonly clientAddress?: string | undefined;
}

export const BAD_CREDENTIALS = "invalid login or password";

/**
 * Exchanges credentials for a token pair. An unknown login and a wrong password fail alike, in message and
 * in time: the password is verified against a placeholder hash when nobody has that login.
 */
export async function login(deps: IdentityDeps, command: LoginCommand): Promise<Session> {
  const v = new Violations();
  v.check(command.login.trim().length > 0, "login", "is required");
  v.check(command.password.length > 0, "password", "is required");
  v.check(command.login.length <= 254, "login", "must be at most 254 characters");
  v.check(!hasControlCharacters(command.login), "login", "must not contain control characters");
  v.check(command.password.length <= 128, "password", "must be at most 128 characters");
  v.throwIfAny();

  const user = await deps.users.findByLogin(command.login.trim());
  // Attempts count against the account (whichever of its names is typed) or, for a login that names nobody,
  // against that name, so throttling behaves the same either way and reveals nothing; and against the
  // caller's network.
  const admission = await deps.loginThrottle.admit({
    account: user ? `user:${user.id}` : `login:${command.login.trim().toLowerCase()}`,
    addressGroup: command.clientAddress ? addressGroup(command.clientAddress) : undefined,
  });
  if (!admission.admitted) {
    const wait = admission.retryAfterSeconds;
    throw new ResourceExhausted(
      admission.reason === "failures"
        ? `too many failed logins: try again in ${wait} s`
        : admission.reason === "delayed"
          ? `too many failed logins for this account: try again in ${wait} s`
          : `too many login attempts at once: try again in ${wait} s`,
      wait,
    );
  }

  let ok = false;
  try {
    ok = await deps.passwords.verify(user?.passwordHash ?? deps.passwords.placeholderHash, command.password);
  } finally {
    await admission.finish(!(user && ok));
  }
  if (!user || !ok) throw new Unauthenticated(BAD_CREDENTIALS);

  return deps.uow.run((tx) => openSession(deps, tx, user, deps.ids.newId()));
}
