import type { Order, StatusChange } from "../../../src/domain/ordering/order.js";
import type { PlacedOrder } from "../../../src/domain/ordering/order-placement.js";
import type {
  IdempotencyClaim,
  IdempotencyKeyClaim,
  IdempotencyStore,
  OrderingDeps,
  OrderingTx,
  OrderListQuery,
  OrderRepository,
} from "../../../src/domain/ordering/ports.js";
import type { DomainEvent } from "../../../src/domain/shared/domain-event.js";
import type { EventBus, LiveEventFilter } from "../../../src/domain/shared/event-bus.js";
import type { JobRequest, ScheduledJobs } from "../../../src/domain/shared/job-scheduler.js";
import { type CatalogFakes, catalogFakes } from "./catalog-fakes.js";

// In-memory twins of the ordering ports, on top of the catalog fakes (orders take their stock). The unit of
// work snapshots every store and restores it when the work throws, as a rolled-back transaction would, and
// hands committed events to live subscribers only after the work succeeded, as the outbox relay does.

const byIdDesc = (a: Order, b: Order) => (a.id < b.id ? 1 : a.id > b.id ? -1 : 0);

export class FakeOrders implements OrderRepository {
  rows = new Map<string, Order>();
  async insert(order: Order) {
    if (this.rows.has(order.id)) throw new Error(`duplicate order ${order.id}`);
    this.rows.set(order.id, order);
  }
  async findById(id: string) {
    return this.rows.get(id);
  }
  async findForUpdate(id: string) {
    return this.rows.get(id);
  }
  async recordStatusChange(orderId: string, change: StatusChange) {
    const order = this.rows.get(orderId);
    if (!order) throw new Error(`no order ${orderId}`);
    this.rows.set(orderId, {
      ...order,
      status: change.status,
      updateTime: change.changeTime,
      history: [...order.history, change],
    });
  }
  async list(query: OrderListQuery) {
    return [...this.rows.values()]
      .filter((o) => query.customerId === undefined || o.customerId === query.customerId)
      .filter((o) => query.status === undefined || o.status === query.status)
      .filter((o) => query.beforeId === undefined || o.id < query.beforeId)
      .sort(byIdDesc)
      .slice(0, query.limit);
  }
}

interface KeyRow {
  readonly fingerprint: string;
  readonly createTime: Date;
  result?: PlacedOrder;
}

export class FakeIdempotencyKeys implements IdempotencyStore {
  rows = new Map<string, KeyRow>();
  async claim(claim: IdempotencyKeyClaim): Promise<IdempotencyClaim> {
    const id = `${claim.customerId}/${claim.key}`;
    const row = this.rows.get(id);
    if (!row || row.createTime < claim.expiredBefore) {
      this.rows.set(id, { fingerprint: claim.fingerprint, createTime: claim.now });
      return { kind: "claimed" };
    }
    if (!row.result) throw new Error("claimed key without a result");
    return { kind: "replay", sameRequest: row.fingerprint === claim.fingerprint, result: row.result };
  }
  async complete(customerId: string, key: string, result: PlacedOrder) {
    const row = this.rows.get(`${customerId}/${key}`);
    if (!row) throw new Error("completing an unclaimed key");
    row.result = result;
  }
  async release(customerId: string, key: string) {
    const id = `${customerId}/${key}`;
    if (this.rows.get(id)?.result) throw new Error("releasing a completed key");
    this.rows.delete(id);
  }
  async pruneExpired(before: Date) {
    let count = 0;
    for (const [id, row] of this.rows) {
      if (row.createTime < before) {
        this.rows.delete(id);
        count++;
      }
    }
    return count;
  }
}

export interface FakeJob extends JobRequest {
  state: "pending" | "done";
}

export class FakeScheduledJobs implements ScheduledJobs {
  rows = new Map<string, FakeJob>();
  async schedule(job: JobRequest) {
    const id = `${job.name}/${job.key}`;
    if (this.rows.has(id)) return false;
    this.rows.set(id, { ...job, state: "pending" });
    return true;
  }
  async cancel(name: string, key: string) {
    const id = `${name}/${key}`;
    if (this.rows.get(id)?.state !== "pending") return false;
    this.rows.delete(id);
    return true;
  }
  pending(): FakeJob[] {
    return [...this.rows.values()].filter((j) => j.state === "pending");
  }
}

/** Live subscriptions only: what WatchOrder needs of the bus. */
export class FakeLiveEvents implements Pick<EventBus, "subscribe"> {
  private readonly listeners = new Set<{ filter: LiveEventFilter; listener: (e: DomainEvent) => void }>();
  /** Subscriptions ever made, stopped or not. */
  subscriptions = 0;
  async subscribe(filter: LiveEventFilter, listener: (e: DomainEvent) => void) {
    this.subscriptions += 1;
    const entry = { filter, listener };
    this.listeners.add(entry);
    return { stop: async () => void this.listeners.delete(entry) };
  }
  get subscriberCount(): number {
    return this.listeners.size;
  }
  publish(event: DomainEvent): void {
    for (const { filter, listener } of [...this.listeners]) {
      if (filter.type !== event.type) continue;
      if (filter.aggregateId !== undefined && filter.aggregateId !== event.aggregateId) continue;
      listener(event);
    }
  }
}

export interface OrderingFakes {
  readonly catalog: CatalogFakes;
  readonly deps: OrderingDeps & { watchRecheckMs?: number };
  readonly orders: FakeOrders;
  readonly keys: FakeIdempotencyKeys;
  readonly jobs: FakeScheduledJobs;
  readonly live: FakeLiveEvents;
  /** Every committed event of both contexts, in order. */
  readonly events: DomainEvent[];
  /** Now, on the shared fake clock. */
  now(): Date;
  tick(ms?: number): void;
}

export function orderingFakes(options: { autoAdvanceMs?: number } = {}): OrderingFakes {
  const catalog = catalogFakes();
  const { events } = catalog;
  const orders = new FakeOrders();
  const keys = new FakeIdempotencyKeys();
  const jobs = new FakeScheduledJobs();
  const live = new FakeLiveEvents();
  const tx: OrderingTx = {
    products: catalog.products,
    stockLedger: catalog.ledger,
    outbox: { append: async (e) => void events.push(e) },
    orders,
    idempotencyKeys: keys,
    jobs,
  };
  const deps: OrderingDeps = {
    uow: {
      async run(work) {
        const snapshot = {
          products: new Map(catalog.products.rows),
          ledger: [...catalog.ledger.rows],
          events: events.length,
          orders: new Map(orders.rows),
          keys: new Map([...keys.rows].map(([k, row]) => [k, { ...row }])),
          jobs: new Map([...jobs.rows].map(([k, job]) => [k, { ...job }])),
        };
        let result: Awaited<ReturnType<typeof work>>;
        try {
          result = await work(tx);
        } catch (error) {
          catalog.products.rows = snapshot.products;
          catalog.ledger.rows = snapshot.ledger;
          events.length = snapshot.events;
          orders.rows = snapshot.orders;
          keys.rows = snapshot.keys;
          jobs.rows = snapshot.jobs;
          throw error;
        }
        for (const event of events.slice(snapshot.events)) live.publish(event);
        return result;
      },
    },
    orders,
    events: live,
    pageTokens: catalog.deps.pageTokens,
    clock: catalog.deps.clock,
    ids: catalog.deps.ids,
    shopCurrency: "EUR",
    autoAdvanceMs: options.autoAdvanceMs,
  };
  return {
    catalog,
    deps,
    orders,
    keys,
    jobs,
    live,
    events,
    now: () => catalog.deps.clock.now(),
    tick: (ms) => catalog.tick(ms),
  };
}
