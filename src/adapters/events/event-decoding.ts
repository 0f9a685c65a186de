import { fromBinary } from "@bufbuild/protobuf";
import { timestampDate } from "@bufbuild/protobuf/wkt";
import {
  CategoryCreatedSchema,
  OffersRefreshedSchema,
  OrderPlacedSchema,
  OrderStatusChangedSchema,
  ProductArchivedSchema,
  ProductCreatedSchema,
  ProductUpdatedSchema,
  PurchaseCreatedSchema,
  PurchaseStateChangedSchema,
  SaleSubmittedSchema,
  StockChangedSchema,
  UserRegisteredSchema,
} from "../../../gen/shopfloor/events/v1/events_pb.js";
import { ROLES, type Role } from "../../domain/identity/role.js";
import type { DomainEvent } from "../../domain/shared/domain-event.js";
import {
  decodeCategoryCreated,
  decodeProductArchived,
  decodeProductCreated,
  decodeProductUpdated,
  decodeStockChanged,
} from "./catalog-event-decoding.js";
import type { ShopfloorEvent } from "./event-encoding.js";
import {
  decodePurchaseCreated,
  decodePurchaseStateChanged,
  decodeSaleSubmitted,
} from "./manufacturing-event-decoding.js";
import { decodeOffersRefreshed } from "./offers-event-decoding.js";
import { decodeOrderPlaced, decodeOrderStatusChanged } from "./ordering-event-decoding.js";

/** An event as stored in the outbox and carried on the bus: its envelope and its protobuf payload. */
export interface EventEnvelope {
  readonly id: string;
  readonly type: string;
  readonly aggregateId: string;
  readonly occurredAt: Date;
  /** Full protobuf message name of the payload. */
  readonly payloadType: string;
  readonly payload: Uint8Array;
}

/** Thrown for an event this build cannot turn back into a domain event; consumers dead-letter it at once. */
export class UndecodableEvent extends Error {}

/** Thrown when no decoder is registered for an event type (as opposed to a payload that does not decode). */
export class NoDecoder extends UndecodableEvent {}

type EventOfType<T extends ShopfloorEvent["type"]> = Extract<ShopfloorEvent, { type: T }>;

interface Decoder<T extends ShopfloorEvent["type"]> {
  readonly payloadType: string;
  decode(payload: Uint8Array): EventOfType<T>["payload"];
}

// Only events some in-app consumer reads need a decoder; each context adds its own as it starts consuming.
// Kept apart from event-encoding.ts because a domain payload may hold more than its protobuf message (then
// the decoder states what a consumer gets back).
const decoders: { readonly [T in ShopfloorEvent["type"]]?: Decoder<T> } = {
  "identity.user_registered": {
    payloadType: UserRegisteredSchema.typeName,
    decode(payload) {
      const m = fromBinary(UserRegisteredSchema, payload);
      const role = m.role.replace(/^ROLE_/, "");
      if (!ROLES.includes(role as Role)) throw new UndecodableEvent(`unknown role ${m.role}`);
      if (!m.createTime) throw new UndecodableEvent("create_time missing");
      return {
        userId: m.userId,
        email: m.email,
        username: m.username,
        role: role as Role,
        createTime: timestampDate(m.createTime),
      };
    },
  },
  "catalog.category_created": { payloadType: CategoryCreatedSchema.typeName, decode: decodeCategoryCreated },
  "catalog.product_created": { payloadType: ProductCreatedSchema.typeName, decode: decodeProductCreated },
  "catalog.product_updated": { payloadType: ProductUpdatedSchema.typeName, decode: decodeProductUpdated },
  "catalog.product_archived": { payloadType: ProductArchivedSchema.typeName, decode: decodeProductArchived },
  "catalog.stock_changed": { payloadType: StockChangedSchema.typeName, decode: decodeStockChanged },
  "ordering.order_placed": { payloadType: OrderPlacedSchema.typeName, decode: decodeOrderPlaced },
  "ordering.order_status_changed": {
    payloadType: OrderStatusChangedSchema.typeName,
    decode: decodeOrderStatusChanged,
  },
  "manufacturing.sale_submitted": { payloadType: SaleSubmittedSchema.typeName, decode: decodeSaleSubmitted },
  "manufacturing.purchase_created": {
    payloadType: PurchaseCreatedSchema.typeName,
    decode: decodePurchaseCreated,
  },
  "manufacturing.purchase_state_changed": {
    payloadType: PurchaseStateChangedSchema.typeName,
    decode: decodePurchaseStateChanged,
  },
  "offers.offers_refreshed": { payloadType: OffersRefreshedSchema.typeName, decode: decodeOffersRefreshed },
};

/** Outbox row or bus message -> the domain event it was encoded from (see encodeEvent). */
export function decodeEvent(envelope: EventEnvelope): ShopfloorEvent {
  const decoder = decoders[envelope.type as ShopfloorEvent["type"]] as Decoder<never> | undefined;
  if (!decoder) throw new NoDecoder(`no decoder for event type ${envelope.type}`);
  if (decoder.payloadType !== envelope.payloadType) {
    throw new UndecodableEvent(
      `${envelope.type} carries ${envelope.payloadType}, not ${decoder.payloadType}`,
    );
  }
  let payload: unknown;
  try {
    payload = decoder.decode(envelope.payload);
  } catch (error) {
    if (error instanceof UndecodableEvent) throw error;
    throw new UndecodableEvent(`${envelope.type}: ${error instanceof Error ? error.message : String(error)}`);
  }
  return {
    id: envelope.id,
    type: envelope.type,
    aggregateId: envelope.aggregateId,
    occurredAt: envelope.occurredAt,
    payload,
  } as ShopfloorEvent;
}

/**
 * For live subscribers, which mostly need to know that something happened to an aggregate: the decoded event,
 * or, for a type with no decoder in this build, the envelope with an undefined payload.
 */
export function decodeLiveEvent(envelope: EventEnvelope): DomainEvent {
  try {
    return decodeEvent(envelope);
  } catch (error) {
    if (!(error instanceof NoDecoder)) throw error;
    return {
      id: envelope.id,
      type: envelope.type,
      aggregateId: envelope.aggregateId,
      occurredAt: envelope.occurredAt,
      payload: undefined,
    };
  }
}
