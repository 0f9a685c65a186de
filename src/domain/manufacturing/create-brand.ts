import { Violations } from "../shared/violations.js";
import { type Brand, checkBrandCode, checkBrandName, checkCarModels } from "./brand.js";
import type { ManufacturingDeps } from "./ports.js";

export interface CreateBrandCommand {
  readonly code: string;
  readonly name: string;
  readonly carModels: readonly string[];
}

/** An admin adds a brand; a taken code is ALREADY_EXISTS. */
export async function createBrand(
  deps: Pick<ManufacturingDeps, "brands" | "clock">,
  command: CreateBrandCommand,
): Promise<Brand> {
  const v = new Violations();
  const code = command.code.trim();
  const name = command.name.trim();
  checkBrandCode(v, "code", code);
  checkBrandName(v, "name", name);
  const carModels = checkCarModels(v, "car_models", command.carModels);
  v.throwIfAny();
  const brand: Brand = { code, name, carModels, createTime: deps.clock.now() };
  await deps.brands.insert(brand);
  return brand;
}
