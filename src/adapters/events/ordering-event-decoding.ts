import { fromBinary } from "@bufbuild/protobuf";
import { OrderPlacedSchema, OrderStatusChangedSchema } from "../../../gen/shopfloor/events/v1/events_pb.js";
import type { OrderPlaced, OrderStatusChanged } from "../../domain/ordering/events.js";
import type { OrderActor } from "../../domain/ordering/order.js";
import { ORDER_STATUSES, type OrderStatus } from "../../domain/ordering/order-status.js";
import { dateOf } from "./payload-fields.js";

// Ordering's payload decoders for event-decoding.ts: the inverse of its cases in event-encoding.ts. A
// malformed payload throws; decodeEvent reports it as UndecodableEvent.

function statusOf(name: string): OrderStatus {
  const status = name.replace(/^ORDER_STATUS_/, "");
  if (!ORDER_STATUSES.includes(status as OrderStatus)) throw new Error(`unknown order status ${name}`);
  return status as OrderStatus;
}

function actorOf(type: string, actorId: string): OrderActor {
  switch (type) {
    case "ACTOR_TYPE_SYSTEM":
      return { type: "system" };
    case "ACTOR_TYPE_CUSTOMER":
      return { type: "customer", userId: actorId };
    case "ACTOR_TYPE_ADMIN":
      return { type: "admin", userId: actorId };
    default:
      throw new Error(`unknown actor type ${type}`);
  }
}

/** ordering.order_placed: the order as placed (PENDING, its placement the only history entry). */
export function decodeOrderPlaced(payload: Uint8Array): OrderPlaced["payload"] {
  const m = fromBinary(OrderPlacedSchema, payload);
  const createTime = dateOf("create_time", m.createTime);
  return {
    order: {
      id: m.orderId,
      customerId: m.customerId,
      status: "PENDING",
      items: m.items.map((line) => ({
        productId: line.productId,
        productName: line.productName,
        quantity: line.quantity,
        unitPrice: {
          currencyCode: line.unitPrice?.currencyCode ?? "",
          amountMinor: Number(line.unitPrice?.amountMinor ?? 0n),
        },
      })),
      total: { currencyCode: m.total?.currencyCode ?? "", amountMinor: Number(m.total?.amountMinor ?? 0n) },
      createTime,
      updateTime: createTime,
      history: [
        { status: "PENDING", changeTime: createTime, actor: { type: "customer", userId: m.customerId } },
      ],
    },
  };
}

export function decodeOrderStatusChanged(payload: Uint8Array): OrderStatusChanged["payload"] {
  const m = fromBinary(OrderStatusChangedSchema, payload);
  return {
    orderId: m.orderId,
    customerId: m.customerId,
    previousStatus: statusOf(m.previousStatus),
    status: statusOf(m.status),
    actor: actorOf(m.actorType, m.actorId),
    changeTime: dateOf("change_time", m.changeTime),
    sequence: m.sequence,
  };
}
