import type { DomainEvent } from "../shared/domain-event.js";
import type { Category } from "./category.js";
import type { EditableProductField, Product } from "./product.js";
import type { StockMovement } from "./stock.js";

export type CategoryCreated = DomainEvent<"catalog.category_created", { category: Category }>;

export type ProductCreated = DomainEvent<"catalog.product_created", { product: Product }>;

export type ProductUpdated = DomainEvent<
  "catalog.product_updated",
  { product: Product; changedFields: EditableProductField[] }
>;

export type ProductArchived = DomainEvent<
  "catalog.product_archived",
  { productId: string; archiveTime: Date }
>;

export type StockChanged = DomainEvent<"catalog.stock_changed", { movement: StockMovement }>;

export type CatalogEvent = CategoryCreated | ProductCreated | ProductUpdated | ProductArchived | StockChanged;
