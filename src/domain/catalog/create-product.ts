import { InvalidArgument } from "../shared/errors.js";
import { checkId } from "../shared/id-format.js";
import { checkPrice, type Money } from "../shared/money.js";
import { checkText } from "../shared/text-rules.js";
import { Violations } from "../shared/violations.js";
import { applyStockChanges } from "./apply-stock-changes.js";
import type { ProductCreated } from "./events.js";
import type { CatalogDeps } from "./ports.js";
import { PRODUCT_DESCRIPTION, PRODUCT_NAME, type Product } from "./product.js";
import { checkQuantity } from "./stock.js";

export interface CreateProductCommand {
  readonly name: string;
  readonly description: string;
  readonly categoryId: string;
  readonly price: Money | undefined;
  readonly initialStock: number;
  /** The admin creating it, recorded on the initial stock's ledger row. */
  readonly actorId: string;
}

export const INITIAL_STOCK_REASON = "initial stock";

/**
 * Creates a product in an existing category. A non-zero initial stock is entered through the stock ledger
 * like any other change, so the ledger always sums to the stock.
 */
export async function createProduct(deps: CatalogDeps, command: CreateProductCommand): Promise<Product> {
  const name = command.name.trim();
  const description = command.description.trim();
  const v = new Violations();
  checkText(v, "name", name, PRODUCT_NAME);
  checkText(v, "description", description, PRODUCT_DESCRIPTION);
  const categoryId = checkId(v, "category_id", command.categoryId);
  checkPrice(v, "price", command.price, deps.shopCurrency);
  checkQuantity(v, "initial_stock", command.initialStock, 0);
  v.throwIfAny();

  const now = deps.clock.now();
  const created: Product = {
    id: deps.ids.newId(),
    name,
    description,
    categoryId,
    price: command.price as Money,
    stockQuantity: 0,
    archived: false,
    createTime: now,
    updateTime: now,
  };
  return deps.uow.run(async (tx) => {
    if (!(await tx.categories.findById(categoryId)))
      throw InvalidArgument.field("category_id", "names no existing category");
    await tx.products.insert(created);
    const event: ProductCreated = {
      id: deps.ids.newId(),
      type: "catalog.product_created",
      aggregateId: created.id,
      occurredAt: now,
      payload: { product: { ...created, stockQuantity: command.initialStock } },
    };
    await tx.outbox.append(event);
    if (command.initialStock === 0) return created;
    await applyStockChanges(tx, deps, [{ productId: created.id, delta: command.initialStock }], {
      reason: INITIAL_STOCK_REASON,
      actorId: command.actorId,
    });
    return { ...created, stockQuantity: command.initialStock };
  });
}
