import { fromBinary } from "@bufbuild/protobuf";
import {
  CategoryCreatedSchema,
  ProductArchivedSchema,
  ProductCreatedSchema,
  ProductUpdatedSchema,
  StockChangedSchema,
} from "../../../gen/shopfloor/events/v1/events_pb.js";
import type {
  CategoryCreated,
  ProductArchived,
  ProductCreated,
  ProductUpdated,
  StockChanged,
} from "../../domain/catalog/events.js";
import { EDITABLE_PRODUCT_FIELDS, type EditableProductField } from "../../domain/catalog/product.js";
import { dateOf, moneyOf } from "./payload-fields.js";

// Catalog's payload decoders for event-decoding.ts: the inverse of its cases in event-encoding.ts. A
// malformed payload throws; decodeEvent reports it as UndecodableEvent. Where a protobuf payload carries less
// than the domain event, each decoder says what a consumer gets back.

export function decodeCategoryCreated(payload: Uint8Array): CategoryCreated["payload"] {
  const m = fromBinary(CategoryCreatedSchema, payload);
  return {
    category: {
      id: m.categoryId,
      slug: m.slug,
      name: m.name,
      description: m.description,
      createTime: dateOf("create_time", m.createTime),
    },
  };
}

/** The product as created: not archived, its update time its create time. */
export function decodeProductCreated(payload: Uint8Array): ProductCreated["payload"] {
  const m = fromBinary(ProductCreatedSchema, payload);
  const createTime = dateOf("create_time", m.createTime);
  return {
    product: {
      id: m.productId,
      name: m.name,
      description: m.description,
      categoryId: m.categoryId,
      price: moneyOf("price", m.price),
      stockQuantity: m.stockQuantity,
      archived: false,
      createTime,
      updateTime: createTime,
    },
  };
}

/**
 * The product's details as they are now. The payload carries no stock or create time (stock changes have
 * their own event): stockQuantity is 0 and createTime is the update time.
 */
export function decodeProductUpdated(payload: Uint8Array): ProductUpdated["payload"] {
  const m = fromBinary(ProductUpdatedSchema, payload);
  const updateTime = dateOf("update_time", m.updateTime);
  const changedFields = m.changedFields.map((field) => {
    if (!EDITABLE_PRODUCT_FIELDS.includes(field as EditableProductField))
      throw new Error(`unknown changed field ${field}`);
    return field as EditableProductField;
  });
  return {
    product: {
      id: m.productId,
      name: m.name,
      description: m.description,
      categoryId: m.categoryId,
      price: moneyOf("price", m.price),
      stockQuantity: 0,
      archived: false,
      createTime: updateTime,
      updateTime,
    },
    changedFields,
  };
}

export function decodeProductArchived(payload: Uint8Array): ProductArchived["payload"] {
  const m = fromBinary(ProductArchivedSchema, payload);
  return { productId: m.productId, archiveTime: dateOf("archive_time", m.archiveTime) };
}

export function decodeStockChanged(payload: Uint8Array): StockChanged["payload"] {
  const m = fromBinary(StockChangedSchema, payload);
  return {
    movement: {
      id: m.movementId,
      productId: m.productId,
      delta: m.delta,
      resultingQuantity: m.stockQuantity,
      reason: m.reason,
      actorId: m.actorId || undefined,
      referenceId: m.referenceId || undefined,
      createTime: dateOf("change_time", m.changeTime),
    },
  };
}
