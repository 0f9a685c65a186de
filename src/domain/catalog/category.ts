import type { TextRule } from "../shared/text-rules.js";
import type { Violations } from "../shared/violations.js";

export interface Category {
  readonly id: string;
  /** Unique, lower-case, URL-safe. */
  readonly slug: string;
  readonly name: string;
  readonly description: string;
  readonly createTime: Date;
}

const SLUG = /^[a-z0-9-]{1,64}$/;

export const CATEGORY_NAME: TextRule = { min: 1, max: 100 };
export const CATEGORY_DESCRIPTION: TextRule = { min: 0, max: 5000, multiline: true };

export function checkSlug(v: Violations, field: string, slug: string): void {
  if (slug.length === 0) v.add(field, "is required");
  else if (!SLUG.test(slug)) v.add(field, "must be 1-64 characters of lower-case letters, digits and '-'");
}
