import type { Principal } from "../identity/principal.js";
import { PermissionDenied } from "../shared/errors.js";
import type { Page } from "../shared/page.js";
import { pageSizeOf } from "../shared/page-size.js";
import { openCursor, sealedPage } from "../shared/page-tokens.js";
import { Violations } from "../shared/violations.js";
import type { ManufacturingDeps, PurchaseListQuery } from "./ports.js";
import type { Purchase } from "./purchase.js";
import type { PurchaseState } from "./purchase-state.js";

export interface ListPurchasesQuery {
  readonly pageSize: number;
  readonly pageToken: string;
  readonly state?: PurchaseState | undefined;
  readonly brand: string;
  readonly officeCode: string;
}

/**
 * Purchases newest first, scoped to the caller: an office sees its own, a manufacturer its brands', an admin
 * all (filtered by office and brand if asked). Filters outside the caller's scope are refused as
 * INVALID_ARGUMENT rather than answered empty, so a mistake is seen.
 */
export async function listPurchases(
  deps: Pick<ManufacturingDeps, "purchases" | "pageTokens">,
  principal: Principal,
  query: ListPurchasesQuery,
): Promise<Page<Purchase>> {
  const v = new Violations();
  const size = pageSizeOf(v, "page_size", query.pageSize);
  const brand = query.brand.trim().toLowerCase() || undefined;
  const office = query.officeCode.trim().toUpperCase() || undefined;
  const filter: Omit<PurchaseListQuery, "limit" | "beforeId"> = scopedFilter(
    v,
    principal,
    brand,
    office,
    query.state,
  );
  const scope = `purchases:${JSON.stringify([filter.officeCode, filter.brands, filter.state])}`;
  const cursor = openCursor(deps.pageTokens, "page_token", scope, query.pageToken, ["string"] as const);
  v.throwIfAny();
  const rows = await deps.purchases.list({ ...filter, beforeId: cursor?.[0], limit: size + 1 });
  return sealedPage(deps.pageTokens, scope, rows, size, (last) => [last.id]);
}

function scopedFilter(
  v: Violations,
  principal: Principal,
  brand: string | undefined,
  office: string | undefined,
  state: PurchaseState | undefined,
): Omit<PurchaseListQuery, "limit" | "beforeId"> {
  switch (principal.role) {
    case "ADMIN":
      return { officeCode: office, brands: brand ? [brand] : undefined, state };
    case "REGIONAL_OFFICE":
      if (office && office !== principal.officeCode)
        v.add("office_code", "may only be your own office's code");
      return { officeCode: principal.officeCode ?? "", brands: brand ? [brand] : undefined, state };
    case "MANUFACTURER": {
      const own = principal.brands ?? [];
      if (brand && !own.includes(brand)) v.add("brand", "must be one of the brands you build");
      if (office) v.add("office_code", "is for admins only");
      return { brands: brand ? [brand] : own, state };
    }
    default:
      throw new PermissionDenied("purchases are for partners and admins");
  }
}
