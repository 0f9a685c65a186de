import type { Violations } from "../shared/violations.js";

// Kept deliberately plain: a full RFC 5322 parser accepts addresses no mail system delivers to, and a
// stricter one rejects real ones. One "@", no spaces, a dot in the domain, at most 254 characters.
const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
/** Control, format (bidi overrides, zero-width) and unassigned characters have no place in an address. */
const INVISIBLE = /\p{C}/u;
const USERNAME = /^[A-Za-z0-9_.-]{3,32}$/;
const MIN_PASSWORD = 8;
const MAX_PASSWORD = 128;

export function checkEmail(v: Violations, field: string, email: string): void {
  if (email.length === 0) v.add(field, "is required");
  else if (email.length > 254 || !EMAIL.test(email) || INVISIBLE.test(email)) {
    v.add(field, "must be a valid email address");
  }
}

export function checkUsername(v: Violations, field: string, username: string): void {
  if (username.length === 0) v.add(field, "is required");
  else if (!USERNAME.test(username))
    v.add(field, "must be 3-32 characters of letters, digits, '_', '.' or '-'");
}

export function checkPassword(v: Violations, field: string, password: string): void {
  if (password.length === 0) v.add(field, "is required");
  else if (password.length < MIN_PASSWORD) v.add(field, `must be at least ${MIN_PASSWORD} characters`);
  else if (password.length > MAX_PASSWORD) v.add(field, `must be at most ${MAX_PASSWORD} characters`);
}

/** Whether a password is strong enough to guard the first admin account (checked at start). */
export function isStrongAdminPassword(password: string): boolean {
  const classes = [/[a-z]/, /[A-Z]/, /[0-9]/, /[^A-Za-z0-9]/].filter((re) => re.test(password)).length;
  return password.length >= 12 && password.length <= MAX_PASSWORD && classes >= 3;
}
