import type { Brand } from "./brand.js";
import type { ManufacturingDeps } from "./ports.js";

/** Every brand with its car models, by code. */
export const listBrands = (deps: Pick<ManufacturingDeps, "brands">): Promise<Brand[]> => deps.brands.list();
