import { NotFound } from "../shared/errors.js";
import { checkId } from "../shared/id-format.js";
import { Violations } from "../shared/violations.js";
import type { ProductArchived } from "./events.js";
import type { CatalogDeps } from "./ports.js";
import type { Product } from "./product.js";

/**
 * Takes a product off the catalog: no longer listed or orderable, still readable. Archiving an archived
 * product changes nothing and emits nothing, so a retried call is harmless.
 */
export async function archiveProduct(deps: CatalogDeps, productId: string): Promise<Product> {
  const v = new Violations();
  const id = checkId(v, "product_id", productId);
  v.throwIfAny();
  return deps.uow.run(async (tx) => {
    const product = (await tx.products.findForUpdate([id])).get(id);
    if (!product) throw new NotFound("product not found");
    if (product.archived) return product;
    const now = deps.clock.now();
    const archived: Product = { ...product, archived: true, updateTime: now };
    await tx.products.update(archived);
    const event: ProductArchived = {
      id: deps.ids.newId(),
      type: "catalog.product_archived",
      aggregateId: id,
      occurredAt: now,
      payload: { productId: id, archiveTime: now },
    };
    await tx.outbox.append(event);
    return archived;
  });
}
