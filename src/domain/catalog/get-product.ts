import { NotFound } from "../shared/errors.js";
import { checkId } from "../shared/id-format.js";
import { Violations } from "../shared/violations.js";
import type { CatalogDeps } from "./ports.js";
import type { Product } from "./product.js";

/** A product by id, archived or not (old orders still show archived products). */
export async function getProduct(deps: Pick<CatalogDeps, "products">, productId: string): Promise<Product> {
  const v = new Violations();
  const id = checkId(v, "product_id", productId);
  v.throwIfAny();
  const product = await deps.products.findById(id);
  if (!product) throw new NotFound("product not found");
  return product;
}
