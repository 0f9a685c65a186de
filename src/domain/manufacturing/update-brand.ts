import { NotFound } from "../shared/errors.js";
import { Violations } from "../shared/violations.js";
import { type Brand, checkBrandName, checkCarModels } from "./brand.js";
import type { ManufacturingDeps, ManufacturingTx } from "./ports.js";

export interface UpdateBrandCommand {
  readonly code: string;
  readonly name: string;
  readonly carModels: readonly string[];
  /** Field names to change: "name", "car_models". */
  readonly paths: readonly string[];
}

const UPDATABLE = ["name", "car_models"];

/**
 * An admin renames a brand or replaces its car models. Purchases already made keep the model they were sold
 * with; only new sales are checked against the new list.
 */
export async function updateBrand(
  deps: Pick<ManufacturingDeps, "uow">,
  command: UpdateBrandCommand,
): Promise<Brand> {
  const v = new Violations();
  if (command.paths.length === 0) v.add("update_mask", "must name at least one of name, car_models");
  for (const path of command.paths)
    if (!UPDATABLE.includes(path)) v.add("update_mask", `${path} cannot be changed (name, car_models can)`);
  const name = command.name.trim();
  if (command.paths.includes("name")) checkBrandName(v, "brand.name", name);
  const carModels = command.paths.includes("car_models")
    ? checkCarModels(v, "brand.car_models", command.carModels)
    : [];
  v.throwIfAny();
  return deps.uow.run(async (tx: ManufacturingTx) => {
    const current = await tx.brands.findByCode(command.code.trim());
    if (!current) throw new NotFound("brand not found");
    const updated: Brand = {
      ...current,
      ...(command.paths.includes("name") ? { name } : {}),
      ...(command.paths.includes("car_models") ? { carModels } : {}),
    };
    await tx.brands.update(updated);
    return updated;
  });
}
