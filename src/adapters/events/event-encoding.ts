import { create, type DescMessage, type MessageInitShape, toBinary } from "@bufbuild/protobuf";
import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import { UserRegisteredSchema } from "../../../gen/shopfloor/events/v1/events_pb.js";
import type { IdentityEvent } from "../../domain/identity/events.js";

/** Every event the domain emits; each context adds its union here. */
export type ShopfloorEvent = IdentityEvent;

export interface EncodedEvent {
  /** Full protobuf message name of the payload, e.g. "shopfloor.events.v1.UserRegistered". */
  readonly payloadType: string;
  readonly payload: Uint8Array;
}

/** NATS subject of an event type: "identity.user_registered" -> "shopfloor.events.identity.user_registered". */
export const subjectOf = (type: string): string => `shopfloor.events.${type}`;

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
  }
}
