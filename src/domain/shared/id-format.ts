import type { Violations } from "./violations.js";

// Ids are opaque to callers but always UUIDs here (UUIDv7 from the IdGenerator); checking the shape up front
// answers a malformed id with INVALID_ARGUMENT instead of a lookup that cannot succeed.
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export const isId = (value: string): boolean => UUID.test(value);

/** A required id field. Returns the id in canonical lower case. */
export function checkId(v: Violations, field: string, value: string): string {
  if (value.length === 0) v.add(field, "is required");
  else if (!isId(value)) v.add(field, "is not a valid id");
  return value.toLowerCase();
}

/** An optional id field (empty means absent). */
export function checkOptionalId(v: Violations, field: string, value: string): string | undefined {
  return value.length === 0 ? undefined : checkId(v, field, value);
}
