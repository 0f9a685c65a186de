import type { Role } from "./role.js";

/** Who is calling, as proven by a verified access token. */
export interface Principal {
  /** The token's subject: a user's id, or a partner client's id for a client-credentials token. */
  readonly userId: string;
  readonly role: Role;
  /** When the proof runs out (the access token's expiry); long-lived streams end then. */
  readonly expiresAt?: Date | undefined;
  /** REGIONAL_OFFICE only: the office it acts for. */
  readonly officeCode?: string | undefined;
  /** MANUFACTURER only: the brand codes it builds. */
  readonly brands?: readonly string[] | undefined;
}

/** The partner scope of a user or client as a principal carries it (absent parts left out). */
export function principalOf(subject: {
  readonly id: string;
  readonly role: Role;
  readonly officeCode?: string | undefined;
  readonly brands?: readonly string[] | undefined;
}): Principal {
  return {
    userId: subject.id,
    role: subject.role,
    ...(subject.officeCode ? { officeCode: subject.officeCode } : {}),
    ...(subject.brands && subject.brands.length > 0 ? { brands: subject.brands } : {}),
  };
}
