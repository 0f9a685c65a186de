import type { Role } from "./role.js";

/** The roles a partner client may have. */
export const PARTNER_ROLES: readonly Role[] = ["REGIONAL_OFFICE", "MANUFACTURER"];

/**
 * A partner's machine client: signs in with its id and a secret (OAuth2 client credentials). The secret is
 * 256 random bits, so a fast hash (the refresh tokens' SHA-256) is as safe as a slow one and keeps token
 * issuing cheap; only the hash is stored.
 */
export interface PartnerClient {
  readonly id: string;
  readonly name: string;
  readonly role: Role;
  readonly officeCode?: string | undefined;
  readonly brands: readonly string[];
  readonly secretHash: string;
  readonly disabled: boolean;
  readonly createTime: Date;
  readonly secretCreateTime: Date;
}
