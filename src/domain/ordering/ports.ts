import type { StockTx } from "../catalog/ports.js";
import type { StockMovement } from "../catalog/stock.js";
import type { Clock } from "../shared/clock.js";
import type { DomainEvent } from "../shared/domain-event.js";
import type { EventBus } from "../shared/event-bus.js";
import type { IdGenerator } from "../shared/id-generator.js";
import type { ScheduledJobs } from "../shared/job-scheduler.js";
import type { PageTokens } from "../shared/page-tokens.js";
import type { UnitOfWork } from "../shared/unit-of-work.js";
import type { Order, StatusChange } from "./order.js";
import type { PlacedOrder, RequestedLine } from "./order-placement.js";
import type { OrderStatus } from "./order-status.js";
import type { PlaceOrderCommand, PlaceOrderResult } from "./place-order.js";

/** A PlaceOrder request whose lines passed validation. */
export interface PlacementRequest {
  readonly command: PlaceOrderCommand;
  readonly lines: readonly RequestedLine[];
  /**
   * Aborts when the caller is gone (left, or its deadline passed). A batched order whose caller is gone before
   * its batch starts is not placed; once its batch has started it commits or not with the batch.
   */
  readonly signal?: AbortSignal | undefined;
}

export interface OrderListQuery {
  /** Only this customer's orders. */
  readonly customerId?: string | undefined;
  readonly status?: OrderStatus | undefined;
  /** Keyset: only orders with an id below this one (ids are time-ordered, so: older). */
  readonly beforeId?: string | undefined;
  readonly limit: number;
}

export interface OrderRepository {
  /** Saves a new order with its lines and its history. */
  insert(order: Order): Promise<void>;
  findById(id: string): Promise<Order | undefined>;
  /**
   * Reads the order and locks it until the transaction ends, so the status changes of one order (a cancel
   * racing an admin or the simulator) run one after the other and each sees the status the other left.
   */
  findForUpdate(id: string): Promise<Order | undefined>;
  /** Saves a status change: the order's new status and update time, and the change added to its history. */
  recordStatusChange(orderId: string, change: StatusChange): Promise<void>;
  /** Newest first (by id). */
  list(query: OrderListQuery): Promise<Order[]>;
}

/** What claiming an idempotency key found. */
export type IdempotencyClaim =
  /** The key is this request's now; its result must be stored with `complete` in the same transaction. */
  | { readonly kind: "claimed" }
  /** An earlier request took the key (and committed): its stored result, and whether it was this request. */
  | { readonly kind: "replay"; readonly sameRequest: boolean; readonly result: PlacedOrder };

export interface IdempotencyKeyClaim {
  readonly customerId: string;
  readonly key: string;
  /** The normalised request; compared for equality (an adapter may store a digest of it). */
  readonly fingerprint: string;
  readonly now: Date;
  /** Keys taken before this have expired: they are free again. */
  readonly expiredBefore: Date;
}

/**
 * Idempotency keys of PlaceOrder, scoped to the customer. A key is claimed in the transaction that places
 * the order, so a concurrent request with the same key waits until that transaction ends: if it committed,
 * the waiter replays its result; if it rolled back, the key is free and the waiter runs.
 */
export interface IdempotencyStore {
  claim(claim: IdempotencyKeyClaim): Promise<IdempotencyClaim>;
  /** Stores the response of the request that claimed the key. */
  complete(customerId: string, key: string, result: PlacedOrder): Promise<void>;
  /**
   * Gives back a key claimed in this transaction by a request that failed while others in the same
   * transaction commit (orders placed together), so the key is free again as after a rollback.
   */
  release(customerId: string, key: string): Promise<void>;
  /** Forgets keys taken before `before`; returns how many. */
  pruneExpired(before: Date): Promise<number>;
}

/** Everything one placed order writes, planned under its products' row locks. */
export interface OrderPlacementRows {
  readonly order: Order;
  /** One per line, in product-id order; each resulting quantity counts the orders planned before it. */
  readonly movements: readonly StockMovement[];
  /** catalog.stock_changed per movement, then ordering.order_placed. */
  readonly events: readonly DomainEvent[];
  /** The idempotency key this order claimed, with the response to store under it. */
  readonly idempotencyKey?: {
    readonly customerId: string;
    readonly key: string;
    readonly result: PlacedOrder;
  };
}

/**
 * Writes the rows of orders placed together in as few statements as it can (the database adapter: one),
 * while their products are locked. It takes each product's stock down by the sum of its movements and
 * checks that the stock it leaves is the last movement's resulting quantity, so a plan made on stock that
 * changed under the lock fails instead of overselling.
 */
export interface OrderPlacementWriter {
  write(placements: readonly OrderPlacementRows[]): Promise<void>;
}

/** What a transaction of the ordering context binds: orders, stock (catalog's), keys, jobs and the outbox. */
export interface OrderingTx extends StockTx {
  readonly orders: OrderRepository;
  readonly idempotencyKeys: IdempotencyStore;
  /** Schedules the fulfilment simulator's next step in the transaction of the change it follows. */
  readonly jobs: ScheduledJobs;
  /** Absent: the rows are written one by one through the other repositories (the in-memory fakes do). */
  readonly placements?: OrderPlacementWriter;
}

/** Places orders, together when several arrive at once (see place-order-batcher.ts). */
export interface OrderPlacer {
  place(request: PlacementRequest): Promise<PlaceOrderResult>;
}

export interface OrderingDeps {
  readonly uow: UnitOfWork<OrderingTx>;
  /** For reads outside a transaction. */
  readonly orders: OrderRepository;
  /** Live status changes for WatchOrder, published by every instance. */
  readonly events: Pick<EventBus, "subscribe">;
  readonly pageTokens: PageTokens;
  readonly clock: Clock;
  readonly ids: IdGenerator;
  /** ISO 4217 code every price is in (SHOP_CURRENCY). */
  readonly shopCurrency: string;
  /** ORDER_AUTO_ADVANCE: how long after its last change an open order moves one step; undefined: never. */
  readonly autoAdvanceMs: number | undefined;
  /** Batches concurrent PlaceOrders into one transaction; absent: each order is its own transaction. */
  readonly placer?: OrderPlacer | undefined;
}
