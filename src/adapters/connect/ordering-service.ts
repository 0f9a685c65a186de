import { create } from "@bufbuild/protobuf";
import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import type { ServiceImpl } from "@connectrpc/connect";
import {
  ActorType,
  OrderSchema,
  OrderService,
  type Order as ProtoOrder,
  OrderStatus as ProtoOrderStatus,
  RejectionReason,
} from "../../../gen/shopfloor/ordering/v1/ordering_pb.js";
import { cancelOrder } from "../../domain/ordering/cancel-order.js";
import { getOrder } from "../../domain/ordering/get-order.js";
import { listOrders } from "../../domain/ordering/list-orders.js";
import { lineTotal, type Order, type OrderActor } from "../../domain/ordering/order.js";
import type { RejectionReason as DomainRejectionReason } from "../../domain/ordering/order-placement.js";
import type { OrderStatus } from "../../domain/ordering/order-status.js";
import { placeOrder } from "../../domain/ordering/place-order.js";
import type { OrderingDeps } from "../../domain/ordering/ports.js";
import { updateOrderStatus } from "../../domain/ordering/update-order-status.js";
import { type WatchOrderDeps, watchOrder } from "../../domain/ordering/watch-order.js";
import { InvalidArgument, Unauthenticated } from "../../domain/shared/errors.js";
import { moneyToProto } from "./money-mapping.js";
import { requirePrincipal } from "./rpc-context.js";
import { StreamSlots } from "./stream-slots.js";

// Who may call each RPC is declared in access-policy.ts and enforced by the auth interceptor; ownership
// (another customer's order is NOT_FOUND) is a domain rule. The handlers only translate.

const STATUS_TO_PROTO: Record<OrderStatus, ProtoOrderStatus> = {
  PENDING: ProtoOrderStatus.PENDING,
  PAID: ProtoOrderStatus.PAID,
  SHIPPED: ProtoOrderStatus.SHIPPED,
  DELIVERED: ProtoOrderStatus.DELIVERED,
  CANCELLED: ProtoOrderStatus.CANCELLED,
};

const STATUS_FROM_PROTO = new Map(
  Object.entries(STATUS_TO_PROTO).map(([status, proto]) => [proto, status as OrderStatus]),
);

/** A status field of a request: unspecified is undefined; a number outside the enum is refused. */
function statusFromProto(field: string, status: ProtoOrderStatus): OrderStatus | undefined {
  if (status === ProtoOrderStatus.UNSPECIFIED) return undefined;
  const known = STATUS_FROM_PROTO.get(status);
  if (!known) throw InvalidArgument.field(field, `${status} is not an order status`);
  return known;
}

const ACTOR_TO_PROTO: Record<OrderActor["type"], ActorType> = {
  customer: ActorType.CUSTOMER,
  admin: ActorType.ADMIN,
  system: ActorType.SYSTEM,
};

const REASON_TO_PROTO: Record<DomainRejectionReason, RejectionReason> = {
  insufficient_stock: RejectionReason.INSUFFICIENT_STOCK,
  archived: RejectionReason.ARCHIVED,
  not_found: RejectionReason.NOT_FOUND,
};

export function orderToProto(o: Order): ProtoOrder {
  return create(OrderSchema, {
    id: o.id,
    customerId: o.customerId,
    status: STATUS_TO_PROTO[o.status],
    items: o.items.map((item) => ({
      productId: item.productId,
      quantity: item.quantity,
      unitPrice: moneyToProto(item.unitPrice),
      productName: item.productName,
      lineTotal: moneyToProto({ currencyCode: item.unitPrice.currencyCode, amountMinor: lineTotal(item) }),
    })),
    total: moneyToProto(o.total),
    createTime: timestampFromDate(o.createTime),
    updateTime: timestampFromDate(o.updateTime),
    statusHistory: o.history.map((change) => ({
      status: STATUS_TO_PROTO[change.status],
      changeTime: timestampFromDate(change.changeTime),
      actorType: ACTOR_TO_PROTO[change.actor.type],
      actorId: change.actor.type === "system" ? "" : change.actor.userId,
    })),
  });
}

/**
 * A signal aborted by whichever of `a` and `b` aborts first; `dispose` unhooks it from both. Not
 * AbortSignal.any: on Node 20 every signal it makes stays referenced from the long-lived drain signal
 * (nodejs/node#55351), a leak per WatchOrder.
 */
function eitherSignal(...signals: AbortSignal[]): { signal: AbortSignal; dispose(): void } {
  const controller = new AbortController();
  const abort = () => controller.abort();
  const dispose = () => {
    for (const s of signals) s.removeEventListener("abort", abort);
  };
  if (signals.some((s) => s.aborted)) controller.abort();
  for (const s of signals) s.addEventListener("abort", abort, { once: true });
  return { signal: controller.signal, dispose };
}

/**
 * `drainSignal` ends every WatchOrder stream when the server starts stopping; `watchSlots` caps how many are
 * open at once, per user and on this instance.
 */
export function orderingService(
  deps: OrderingDeps & WatchOrderDeps,
  drainSignal: AbortSignal,
  watchSlots: StreamSlots = new StreamSlots({ perUser: 10, perInstance: 10_000 }),
): ServiceImpl<typeof OrderService> {
  return {
    async placeOrder(req, ctx) {
      const placed = await placeOrder(deps, {
        customerId: requirePrincipal(ctx).userId,
        items: req.items.map((item) => ({ productId: item.productId, quantity: item.quantity })),
        idempotencyKey: req.idempotencyKey,
        allowPartial: req.allowPartial,
      });
      return {
        order: orderToProto(placed.order),
        rejectedItems: placed.rejected.map((line) => ({
          productId: line.productId,
          quantity: line.quantity,
          reason: REASON_TO_PROTO[line.reason],
        })),
        idempotentReplay: placed.replayed,
      };
    },
    async getOrder(req, ctx) {
      return { order: orderToProto(await getOrder(deps, requirePrincipal(ctx), req.orderId)) };
    },
    async listOrders(req, ctx) {
      const page = await listOrders(deps, requirePrincipal(ctx), {
        pageSize: req.pageSize,
        pageToken: req.pageToken,
        status: statusFromProto("status", req.status),
        customerId: req.customerId,
      });
      return { orders: page.items.map(orderToProto), nextPageToken: page.nextCursor ?? "" };
    },
    async cancelOrder(req, ctx) {
      return { order: orderToProto(await cancelOrder(deps, requirePrincipal(ctx), req.orderId)) };
    },
    async updateOrderStatus(req, ctx) {
      const order = await updateOrderStatus(deps, requirePrincipal(ctx), {
        orderId: req.orderId,
        status: statusFromProto("status", req.status),
      });
      return { order: orderToProto(order) };
    },
    async *watchOrder(req, ctx) {
      const principal = requirePrincipal(ctx);
      const release = watchSlots.acquire(principal.userId);
      // The stream lives no longer than the token that opened it: the client refreshes and watches again.
      const expiry = new AbortController();
      const expiresInMs = (principal.expiresAt?.getTime() ?? Number.POSITIVE_INFINITY) - Date.now();
      const timer =
        expiresInMs < 2 ** 31 - 1 ? setTimeout(() => expiry.abort(), Math.max(0, expiresInMs)) : undefined;
      const stop = eitherSignal(ctx.signal, drainSignal, expiry.signal);
      try {
        for await (const order of watchOrder(deps, principal, req.orderId, stop.signal)) {
          yield { order: orderToProto(order) };
        }
        if (expiry.signal.aborted && !ctx.signal.aborted && !drainSignal.aborted)
          throw new Unauthenticated("access token has expired: refresh it and watch again");
      } finally {
        clearTimeout(timer);
        stop.dispose();
        release();
      }
    },
  };
}

export { OrderService };
