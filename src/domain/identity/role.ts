export const ROLES = ["CUSTOMER", "ADMIN", "REGIONAL_OFFICE", "MANUFACTURER"] as const;

/** What a user is to Shopfloor; decides which RPCs they may call. */
export type Role = (typeof ROLES)[number];
