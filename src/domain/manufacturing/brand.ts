import { checkText } from "../shared/text-rules.js";
import type { Violations } from "../shared/violations.js";

/** A car brand and the models a sale may name: reference data kept by admins. */
export interface Brand {
  /** 2-32 characters of [a-z0-9-]; never changes. */
  readonly code: string;
  readonly name: string;
  /** Display names, distinct case-insensitively, in the admin's order. */
  readonly carModels: readonly string[];
  readonly createTime: Date;
}

const BRAND_CODE = /^[a-z0-9][a-z0-9-]{1,31}$/;
export const MAX_CAR_MODELS = 200;

export function checkBrandCode(v: Violations, field: string, code: string): void {
  if (code === "") v.add(field, "is required");
  else if (!BRAND_CODE.test(code)) v.add(field, "must be 2-32 characters of a-z, 0-9 and '-'");
}

export function checkBrandName(v: Violations, field: string, name: string): void {
  checkText(v, field, name, { min: 1, max: 100 });
}

/** Trims the models and checks each, and that none repeats (case-insensitively). */
export function checkCarModels(v: Violations, field: string, models: readonly string[]): string[] {
  if (models.length > MAX_CAR_MODELS) {
    v.add(field, `must hold at most ${MAX_CAR_MODELS} models`);
    return [];
  }
  const trimmed = models.map((m) => m.trim());
  const seen = new Set<string>();
  trimmed.forEach((model, i) => {
    checkText(v, `${field}[${i}]`, model, { min: 1, max: 100 });
    const key = model.toLowerCase();
    if (seen.has(key)) v.add(`${field}[${i}]`, "repeats another model");
    seen.add(key);
  });
  return trimmed;
}

/** The brand's spelling of `model`, matched case-insensitively; undefined when the brand has no such model. */
export const carModelOf = (brand: Brand, model: string): string | undefined =>
  brand.carModels.find((m) => m.toLowerCase() === model.trim().toLowerCase());
