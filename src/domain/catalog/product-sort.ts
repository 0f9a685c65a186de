import type { Violations } from "../shared/violations.js";
import type { Product } from "./product.js";

export const PRODUCT_SORT_KEYS = ["name", "price", "create_time"] as const;
export type ProductSortKey = (typeof PRODUCT_SORT_KEYS)[number];
export type SortDirection = "asc" | "desc";

export interface ProductSort {
  readonly key: ProductSortKey;
  readonly direction: SortDirection;
}

export const DEFAULT_PRODUCT_SORT: ProductSort = { key: "name", direction: "asc" };

// Parsed against a closed list, never passed on: the adapter maps the key to a column it names itself.
const ORDER_BY = /^\s*([a-z_]+)(?:\s+(asc|desc))?\s*$/i;

/** `order_by` as in AIP-132: "price", "price desc", "create_time asc"; empty means the default. */
export function parseProductSort(v: Violations, field: string, orderBy: string): ProductSort {
  if (orderBy.trim() === "") return DEFAULT_PRODUCT_SORT;
  const match = orderBy.length <= 64 ? ORDER_BY.exec(orderBy) : null;
  const key = match?.[1]?.toLowerCase();
  if (!match || !PRODUCT_SORT_KEYS.includes(key as ProductSortKey)) {
    v.add(field, `must be one of ${PRODUCT_SORT_KEYS.join(", ")}, optionally followed by asc or desc`);
    return DEFAULT_PRODUCT_SORT;
  }
  const direction = (match[2]?.toLowerCase() ?? "asc") as SortDirection;
  return { key: key as ProductSortKey, direction };
}

/** The value a product sorts by under `key`, as it goes into a page cursor. */
export function sortValueOf(product: Product, key: ProductSortKey): string | number {
  switch (key) {
    case "name":
      return product.name;
    case "price":
      return product.price.amountMinor;
    case "create_time":
      return product.createTime.toISOString();
  }
}
