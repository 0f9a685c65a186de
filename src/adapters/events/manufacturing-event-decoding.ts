import { fromBinary } from "@bufbuild/protobuf";
import { timestampDate } from "@bufbuild/protobuf/wkt";
import {
  PurchaseCreatedSchema,
  PurchaseStateChangedSchema,
  SaleSubmittedSchema,
} from "../../../gen/shopfloor/events/v1/events_pb.js";
import type {
  PurchaseCreated,
  PurchaseStateChanged,
  SaleSubmitted,
} from "../../domain/manufacturing/events.js";
import { PURCHASE_STATES, type PurchaseState } from "../../domain/manufacturing/purchase-state.js";
import { dateOf } from "./payload-fields.js";

// Manufacturing's payload decoders for event-decoding.ts: the inverse of manufacturing-event-encoding.ts. A
// malformed payload throws; decodeEvent reports it as UndecodableEvent.

function stateOf(name: string): PurchaseState {
  const state = name.replace(/^PURCHASE_STATE_/, "");
  if (!PURCHASE_STATES.includes(state as PurchaseState)) throw new Error(`unknown purchase state ${name}`);
  return state as PurchaseState;
}

export function decodeSaleSubmitted(payload: Uint8Array): SaleSubmitted["payload"] {
  const m = fromBinary(SaleSubmittedSchema, payload);
  return {
    sale: {
      purchaseId: m.purchaseId,
      officeCode: m.officeCode,
      externalOrderNumber: m.externalOrderNumber,
      brand: m.brand,
      carModel: m.carModel,
      submittedBy: m.submittedBy,
      submitTime: dateOf("submit_time", m.submitTime),
    },
  };
}

/** What a consumer gets back: the purchase as created, with its one history entry (ORDERED, no actor). */
export function decodePurchaseCreated(payload: Uint8Array): PurchaseCreated["payload"] {
  const m = fromBinary(PurchaseCreatedSchema, payload);
  const createTime = dateOf("create_time", m.createTime);
  const state = stateOf(m.state);
  return {
    purchase: {
      id: m.purchaseId,
      officeCode: m.officeCode,
      externalOrderNumber: m.externalOrderNumber,
      brand: m.brand,
      carModel: m.carModel,
      state,
      submitTime: m.submitTime ? timestampDate(m.submitTime) : createTime,
      createTime,
      updateTime: createTime,
      history: [{ state, changeTime: createTime }],
    },
  };
}

export function decodePurchaseStateChanged(payload: Uint8Array): PurchaseStateChanged["payload"] {
  const m = fromBinary(PurchaseStateChangedSchema, payload);
  return {
    purchase: {
      id: m.purchaseId,
      officeCode: m.officeCode,
      externalOrderNumber: m.externalOrderNumber,
      brand: m.brand,
      carModel: m.carModel,
    },
    previousState: stateOf(m.previousState),
    state: stateOf(m.state),
    actorId: m.actorId,
    changeTime: dateOf("change_time", m.changeTime),
    sequence: m.sequence,
  };
}
