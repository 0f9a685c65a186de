import { InvalidArgument, NotFound } from "../shared/errors.js";
import { checkId } from "../shared/id-format.js";
import { checkPrice, type Money } from "../shared/money.js";
import { checkText } from "../shared/text-rules.js";
import { Violations } from "../shared/violations.js";
import type { ProductUpdated } from "./events.js";
import type { CatalogDeps } from "./ports.js";
import {
  EDITABLE_PRODUCT_FIELDS,
  type EditableProductField,
  PRODUCT_DESCRIPTION,
  PRODUCT_NAME,
  type Product,
} from "./product.js";

export interface UpdateProductCommand {
  readonly productId: string;
  /** New values; only those named in `updateMask` are read. */
  readonly name: string;
  readonly description: string;
  readonly categoryId: string;
  readonly price: Money | undefined;
  /** Field paths in proto field names. */
  readonly updateMask: readonly string[];
}

/** Why a known but non-editable path is refused, so the caller learns what to do instead. */
const NOT_EDITABLE: Readonly<Record<string, string>> = {
  id: "is immutable",
  create_time: "is immutable",
  update_time: "is set by the server",
  stock_quantity: "changes only through AdjustStock (and orders), so every change is in the stock ledger",
  archived: "changes only through ArchiveProduct",
};

/**
 * Applies exactly the fields named in the mask. Values of fields outside the mask are ignored, whatever they
 * hold. A mask that changes nothing writes nothing and emits nothing.
 */
export async function updateProduct(deps: CatalogDeps, command: UpdateProductCommand): Promise<Product> {
  const v = new Violations();
  const id = checkId(v, "product.id", command.productId);
  const fields = maskFields(v, command.updateMask);
  const name = command.name.trim();
  const description = command.description.trim();
  let categoryId = command.categoryId;
  if (fields.has("name")) checkText(v, "product.name", name, PRODUCT_NAME);
  if (fields.has("description")) checkText(v, "product.description", description, PRODUCT_DESCRIPTION);
  if (fields.has("category_id")) categoryId = checkId(v, "product.category_id", command.categoryId);
  if (fields.has("price")) checkPrice(v, "product.price", command.price, deps.shopCurrency);
  v.throwIfAny();

  return deps.uow.run(async (tx) => {
    const current = (await tx.products.findForUpdate([id])).get(id);
    if (!current) throw new NotFound("product not found");
    if (fields.has("category_id") && categoryId !== current.categoryId) {
      if (!(await tx.categories.findById(categoryId)))
        throw InvalidArgument.field("product.category_id", "names no existing category");
    }
    const candidate: Product = {
      ...current,
      name: fields.has("name") ? name : current.name,
      description: fields.has("description") ? description : current.description,
      categoryId: fields.has("category_id") ? categoryId : current.categoryId,
      price: fields.has("price") ? { ...(command.price as Money) } : current.price,
    };
    const changed = EDITABLE_PRODUCT_FIELDS.filter((field) => differs(field, current, candidate));
    if (changed.length === 0) return current;

    const now = deps.clock.now();
    const updated: Product = { ...candidate, updateTime: now };
    await tx.products.update(updated);
    const event: ProductUpdated = {
      id: deps.ids.newId(),
      type: "catalog.product_updated",
      aggregateId: id,
      occurredAt: now,
      payload: { product: updated, changedFields: changed },
    };
    await tx.outbox.append(event);
    return updated;
  });
}

function differs(field: EditableProductField, a: Product, b: Product): boolean {
  switch (field) {
    case "name":
      return a.name !== b.name;
    case "description":
      return a.description !== b.description;
    case "category_id":
      return a.categoryId !== b.categoryId;
    case "price":
      return a.price.amountMinor !== b.price.amountMinor || a.price.currencyCode !== b.price.currencyCode;
  }
}

function maskFields(v: Violations, paths: readonly string[]): Set<EditableProductField> {
  const fields = new Set<EditableProductField>();
  if (paths.length === 0) v.add("update_mask", "must name at least one field to update");
  for (const path of paths) {
    if ((EDITABLE_PRODUCT_FIELDS as readonly string[]).includes(path))
      fields.add(path as EditableProductField);
    else if (Object.hasOwn(NOT_EDITABLE, path)) v.add("update_mask", `"${path}" ${NOT_EDITABLE[path]}`);
    else
      v.add(
        "update_mask",
        `unknown path "${path.slice(0, 64)}": use ${EDITABLE_PRODUCT_FIELDS.map((f) => `"${f}"`).join(", ")}`,
      );
  }
  return fields;
}
