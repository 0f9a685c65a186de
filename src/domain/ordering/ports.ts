import type { StockTx } from "../catalog/ports.js";
import type { Clock } from "../shared/clock.js";
import type { EventBus } from "../shared/event-bus.js";
import type { IdGenerator } from "../shared/id-generator.js";
import type { ScheduledJobs } from "../shared/job-scheduler.js";
import type { PageTokens } from "../shared/page-tokens.js";
import type { UnitOfWork } from "../shared/unit-of-work.js";
import type { Order, StatusChange } from "./order.js";
import type { PlacedOrder } from "./order-placement.js";
import type { OrderStatus } from "./order-status.js";

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
  /** Forgets keys taken before `before`; returns how many. */
  pruneExpired(before: Date): Promise<number>;
}

/** What a transaction of the ordering context binds: orders, stock (catalog's), keys, jobs and the outbox. */
export interface OrderingTx extends StockTx {
  readonly orders: OrderRepository;
  readonly idempotencyKeys: IdempotencyStore;
  /** Schedules the fulfilment simulator's next step in the transaction of the change it follows. */
  readonly jobs: ScheduledJobs;
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
}
