import type { Principal } from "../identity/principal.js";
import { PermissionDenied } from "../shared/errors.js";
import type { Page } from "../shared/page.js";
import { pageSizeOf } from "../shared/page-size.js";
import { openCursor, sealedPage } from "../shared/page-tokens.js";
import { Violations } from "../shared/violations.js";
import type { ManufacturingDeps } from "./ports.js";
import type { Purchase } from "./purchase.js";

export interface ListVehiclesQuery {
  readonly brand: string;
  readonly pageSize: number;
  readonly pageToken: string;
}

/**
 * A manufacturer's queue: its brand's purchases still ORDERED, oldest first (by id, time-ordered), so a page
 * token stays valid while new sales arrive behind it. A brand the caller does not build is PERMISSION_DENIED
 * (the brand list is public, so naming one reveals nothing).
 */
export async function listVehiclesForManufacturing(
  deps: Pick<ManufacturingDeps, "purchases" | "pageTokens">,
  principal: Principal,
  query: ListVehiclesQuery,
): Promise<Page<Purchase>> {
  const v = new Violations();
  const brand = query.brand.trim().toLowerCase();
  if (brand === "") v.add("brand", "is required");
  const size = pageSizeOf(v, "page_size", query.pageSize);
  const scope = `manufacturing-queue:${brand}`;
  const cursor = openCursor(deps.pageTokens, "page_token", scope, query.pageToken, ["string"] as const);
  v.throwIfAny();
  if (principal.role !== "ADMIN" && !(principal.brands ?? []).includes(brand)) {
    throw new PermissionDenied(`you do not build brand ${JSON.stringify(brand.slice(0, 40))}`);
  }
  const rows = await deps.purchases.listQueue(brand, "ORDERED", cursor?.[0], size + 1);
  return sealedPage(deps.pageTokens, scope, rows, size, (last) => [last.id]);
}
