import type { Money } from "../shared/money.js";
import type { TextRule } from "../shared/text-rules.js";

export interface Product {
  readonly id: string;
  readonly name: string;
  readonly description: string;
  readonly categoryId: string;
  readonly price: Money;
  /** Never negative; changed only through the stock ledger (see apply-stock-changes.ts). */
  readonly stockQuantity: number;
  /** Archived products are not listed and cannot be ordered, but stay readable for old orders. */
  readonly archived: boolean;
  readonly createTime: Date;
  /** Last change of the details above; stock changes are dated in the ledger instead. */
  readonly updateTime: Date;
}

export const PRODUCT_NAME: TextRule = { min: 1, max: 200 };
export const PRODUCT_DESCRIPTION: TextRule = { min: 0, max: 5000, multiline: true };

/** The product fields UpdateProduct may change, in proto field names (the paths of its update_mask). */
export const EDITABLE_PRODUCT_FIELDS = ["name", "description", "category_id", "price"] as const;
export type EditableProductField = (typeof EDITABLE_PRODUCT_FIELDS)[number];
