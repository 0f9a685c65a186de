import type { Role } from "./role.js";

export interface User {
  readonly id: string;
  /** Stored as given (trimmed), compared case-insensitively. */
  readonly email: string;
  /** Stored as given, compared case-insensitively. */
  readonly username: string;
  readonly role: Role;
  readonly passwordHash: string;
  readonly createTime: Date;
  /** REGIONAL_OFFICE users: the office they act for. */
  readonly officeCode?: string | undefined;
  /** MANUFACTURER users: the brands they build; empty for other roles. */
  readonly brands?: readonly string[] | undefined;
}
