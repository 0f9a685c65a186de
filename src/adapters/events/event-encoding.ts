import { create, type DescMessage, type MessageInitShape, toBinary } from "@bufbuild/protobuf";
import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import {
  CategoryCreatedSchema,
  OffersRefreshedSchema,
  OrderPlacedSchema,
  OrderStatusChangedSchema,
  ProductArchivedSchema,
  ProductCreatedSchema,
  ProductUpdatedSchema,
  StockChangedSchema,
  UserRegisteredSchema,
} from "../../../gen/shopfloor/events/v1/events_pb.js";
import type { CatalogEvent } from "../../domain/catalog/events.js";
import type { IdentityEvent } from "../../domain/identity/events.js";
import type { ManufacturingEvent } from "../../domain/manufacturing/events.js";
import type { OffersEvent } from "../../domain/offers/events.js";
import type { OrderingEvent } from "../../domain/ordering/events.js";
import type { OrderItem } from "../../domain/ordering/order.js";
import { moneyToProto } from "../connect/money-mapping.js";
import { encodeManufacturingEvent } from "./manufacturing-event-encoding.js";

/** Every event the domain emits; each context adds its union here. */
export type ShopfloorEvent = IdentityEvent | CatalogEvent | OrderingEvent | ManufacturingEvent | OffersEvent;

export interface EncodedEvent {
  /** Full protobuf message name of the payload, e.g. "shopfloor.events.v1.UserRegistered". */
  readonly payloadType: string;
  readonly payload: Uint8Array;
}

/** NATS subject of an event type: "identity.user_registered" -> "shopfloor.events.identity.user_registered". */
export const subjectOf = (type: string): string => `shopfloor.events.${type}`;

/** Enum value names of shopfloor.ordering.v1 (OrderStatus, ActorType), as event payloads carry them. */
export const orderStatusName = (status: string): string => `ORDER_STATUS_${status}`;
export const actorTypeName = (type: string): string => `ACTOR_TYPE_${type.toUpperCase()}`;

const orderLine = (item: OrderItem) => ({
  productId: item.productId,
  productName: item.productName,
  quantity: item.quantity,
  unitPrice: moneyToProto(item.unitPrice),
});

function encode<D extends DescMessage>(schema: D, init: MessageInitShape<D>): EncodedEvent {
  return { payloadType: schema.typeName, payload: toBinary(schema, create(schema, init)) };
}

/** Domain event -> its protobuf payload from proto/shopfloor/events/v1. */
export function encodeEvent(event: ShopfloorEvent): EncodedEvent {
  switch (event.type) {
    case "identity.user_registered": {
      const p = event.payload;
      return encode(UserRegisteredSchema, {
        userId: p.userId,
        email: p.email,
        username: p.username,
        role: `ROLE_${p.role}`,
        createTime: timestampFromDate(p.createTime),
      });
    }
    case "catalog.category_created": {
      const { category: c } = event.payload;
      return encode(CategoryCreatedSchema, {
        categoryId: c.id,
        slug: c.slug,
        name: c.name,
        description: c.description,
        createTime: timestampFromDate(c.createTime),
      });
    }
    case "catalog.product_created": {
      const { product: p } = event.payload;
      return encode(ProductCreatedSchema, {
        productId: p.id,
        name: p.name,
        description: p.description,
        categoryId: p.categoryId,
        price: moneyToProto(p.price),
        stockQuantity: p.stockQuantity,
        createTime: timestampFromDate(p.createTime),
      });
    }
    case "catalog.product_updated": {
      const { product: p, changedFields } = event.payload;
      return encode(ProductUpdatedSchema, {
        productId: p.id,
        name: p.name,
        description: p.description,
        categoryId: p.categoryId,
        price: moneyToProto(p.price),
        changedFields,
        updateTime: timestampFromDate(p.updateTime),
      });
    }
    case "catalog.product_archived":
      return encode(ProductArchivedSchema, {
        productId: event.payload.productId,
        archiveTime: timestampFromDate(event.payload.archiveTime),
      });
    case "catalog.stock_changed": {
      const { movement: m } = event.payload;
      return encode(StockChangedSchema, {
        movementId: m.id,
        productId: m.productId,
        delta: m.delta,
        stockQuantity: m.resultingQuantity,
        reason: m.reason,
        actorId: m.actorId ?? "",
        referenceId: m.referenceId ?? "",
        changeTime: timestampFromDate(m.createTime),
      });
    }
    case "ordering.order_placed": {
      const { order: o } = event.payload;
      return encode(OrderPlacedSchema, {
        orderId: o.id,
        customerId: o.customerId,
        items: o.items.map(orderLine),
        total: moneyToProto(o.total),
        createTime: timestampFromDate(o.createTime),
      });
    }
    case "ordering.order_status_changed": {
      const p = event.payload;
      return encode(OrderStatusChangedSchema, {
        orderId: p.orderId,
        customerId: p.customerId,
        previousStatus: orderStatusName(p.previousStatus),
        status: orderStatusName(p.status),
        actorType: actorTypeName(p.actor.type),
        actorId: p.actor.type === "system" ? "" : p.actor.userId,
        changeTime: timestampFromDate(p.changeTime),
        sequence: p.sequence,
      });
    }
    case "manufacturing.sale_submitted":
    case "manufacturing.purchase_created":
    case "manufacturing.purchase_state_changed":
      return encodeManufacturingEvent(event);
    case "offers.offers_refreshed": {
      const { productId, point, currencyCode } = event.payload;
      const money = (amountMinor: number | undefined) =>
        amountMinor === undefined ? undefined : moneyToProto({ currencyCode, amountMinor });
      return encode(OffersRefreshedSchema, {
        productId,
        offerCount: point.offerCount,
        minPrice: money(point.minPriceMinor),
        maxPrice: money(point.maxPriceMinor),
        refreshTime: timestampFromDate(point.time),
      });
    }
  }
}
