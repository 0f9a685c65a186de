import { create, type DescMessage, type MessageInitShape, toBinary } from "@bufbuild/protobuf";
import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import {
  PurchaseCreatedSchema,
  PurchaseStateChangedSchema,
  SaleSubmittedSchema,
} from "../../../gen/shopfloor/events/v1/events_pb.js";
import type { ManufacturingEvent } from "../../domain/manufacturing/events.js";

// Manufacturing's cases of encodeEvent (event-encoding.ts), kept beside their decoders' file.

/** PurchaseState value names of shopfloor.manufacturing.v1, as event payloads carry them. */
export const purchaseStateName = (state: string): string => `PURCHASE_STATE_${state}`;

function encode<D extends DescMessage>(schema: D, init: MessageInitShape<D>) {
  return { payloadType: schema.typeName, payload: toBinary(schema, create(schema, init)) };
}

export function encodeManufacturingEvent(event: ManufacturingEvent) {
  switch (event.type) {
    case "manufacturing.sale_submitted": {
      const { sale: s } = event.payload;
      return encode(SaleSubmittedSchema, {
        purchaseId: s.purchaseId,
        officeCode: s.officeCode,
        externalOrderNumber: s.externalOrderNumber,
        brand: s.brand,
        carModel: s.carModel,
        submittedBy: s.submittedBy,
        submitTime: timestampFromDate(s.submitTime),
      });
    }
    case "manufacturing.purchase_created": {
      const { purchase: p } = event.payload;
      return encode(PurchaseCreatedSchema, {
        purchaseId: p.id,
        officeCode: p.officeCode,
        externalOrderNumber: p.externalOrderNumber,
        brand: p.brand,
        carModel: p.carModel,
        state: purchaseStateName(p.state),
        createTime: timestampFromDate(p.createTime),
        submitTime: timestampFromDate(p.submitTime),
      });
    }
    case "manufacturing.purchase_state_changed": {
      const p = event.payload;
      return encode(PurchaseStateChangedSchema, {
        purchaseId: p.purchase.id,
        officeCode: p.purchase.officeCode,
        externalOrderNumber: p.purchase.externalOrderNumber,
        brand: p.purchase.brand,
        carModel: p.purchase.carModel,
        previousState: purchaseStateName(p.previousState),
        state: purchaseStateName(p.state),
        actorId: p.actorId,
        changeTime: timestampFromDate(p.changeTime),
        sequence: p.sequence,
      });
    }
  }
}
