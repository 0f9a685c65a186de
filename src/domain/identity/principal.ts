import type { Role } from "./role.js";

/** Who is calling, as proven by a verified access token. */
export interface Principal {
  readonly userId: string;
  readonly role: Role;
  /** When the proof runs out (the access token's expiry); long-lived streams end then. */
  readonly expiresAt?: Date | undefined;
}
