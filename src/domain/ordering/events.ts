import type { DomainEvent } from "../shared/domain-event.js";
import type { Order, OrderActor } from "./order.js";
import type { OrderStatus } from "./order-status.js";

export type OrderPlaced = DomainEvent<"ordering.order_placed", { order: Order }>;

export type OrderStatusChanged = DomainEvent<
  "ordering.order_status_changed",
  {
    readonly orderId: string;
    readonly customerId: string;
    readonly previousStatus: OrderStatus;
    readonly status: OrderStatus;
    readonly actor: OrderActor;
    readonly changeTime: Date;
    /** The order's change count after this change (1 for the first change after placement). */
    readonly sequence: number;
  }
>;

export type OrderingEvent = OrderPlaced | OrderStatusChanged;
