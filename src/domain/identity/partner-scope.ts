import type { Violations } from "../shared/violations.js";
import type { Role } from "./role.js";

// What binds a partner account (a user or a client) to the part of manufacturing it may see: a regional office
// acts for one office code, a manufacturer for one or more brands. Other roles carry neither.

const OFFICE_CODE = /^[A-Z0-9][A-Z0-9-]{1,31}$/;
const BRAND_CODE = /^[a-z0-9][a-z0-9-]{1,31}$/;
export const MAX_BRANDS_PER_PARTNER = 20;

export interface PartnerScope {
  readonly officeCode?: string | undefined;
  readonly brands: readonly string[];
}

/** Brand codes that exist, for checking a manufacturer's brands (kept by the manufacturing context). */
export interface BrandDirectory {
  /** The codes of `codes` that name no brand. */
  unknown(codes: readonly string[]): Promise<string[]>;
}

/**
 * Checks and normalises the office code (trimmed, upper-cased) or brands (trimmed, lower-cased, distinct) of
 * an account of `role`; field violations are added to `v`, unknown brands included.
 */
export async function checkPartnerScope(
  v: Violations,
  directory: BrandDirectory,
  role: Role | undefined,
  officeCodeInput: string,
  brandsInput: readonly string[],
): Promise<PartnerScope> {
  const officeCode = officeCodeInput.trim().toUpperCase();
  const brands = [...new Set(brandsInput.map((b) => b.trim().toLowerCase()))];
  if (role === "REGIONAL_OFFICE") {
    if (officeCode === "") v.add("office_code", "is required for ROLE_REGIONAL_OFFICE");
    else if (!OFFICE_CODE.test(officeCode))
      v.add("office_code", "must be 2-32 characters of A-Z, 0-9 and '-'");
  } else if (officeCode !== "") {
    v.add("office_code", "is only for ROLE_REGIONAL_OFFICE");
  }
  if (role === "MANUFACTURER") {
    if (brands.length === 0) v.add("brands", "at least one brand is required for ROLE_MANUFACTURER");
    else if (brands.length > MAX_BRANDS_PER_PARTNER)
      v.add("brands", `must hold at most ${MAX_BRANDS_PER_PARTNER} brands`);
    else {
      const malformed = brands.filter((b) => !BRAND_CODE.test(b));
      if (malformed.length > 0)
        v.add("brands", "each must be a brand code of 2-32 characters of a-z, 0-9, '-'");
      else {
        const unknown = await directory.unknown(brands);
        if (unknown.length > 0) v.add("brands", `unknown brand: ${unknown.join(", ")}`);
      }
    }
  } else if (brands.length > 0) {
    v.add("brands", "are only for ROLE_MANUFACTURER");
  }
  return role === "REGIONAL_OFFICE"
    ? { officeCode, brands: [] }
    : { officeCode: undefined, brands: role === "MANUFACTURER" ? brands : [] };
}
