import type { Principal } from "../identity/principal.js";
import type { DomainEvent } from "../shared/domain-event.js";
import { NotFound } from "../shared/errors.js";
import { checkId } from "../shared/id-format.js";
import { Violations } from "../shared/violations.js";
import type { OrderStatusChanged } from "./events.js";
import { canSee, changeCount, type Order } from "./order.js";
import { isFinal } from "./order-status.js";
import type { OrderingDeps } from "./ports.js";

export interface WatchOrderDeps extends Pick<OrderingDeps, "orders" | "events"> {
  /**
   * How often a watcher re-reads its order with no event: the bound on how late it notices a change whose
   * live event it missed (a bus reconnect, or an in-process bus fed by another instance). Default 30 s.
   */
  readonly watchRecheckMs?: number | undefined;
}

const STATUS_CHANGED: OrderStatusChanged["type"] = "ordering.order_status_changed";

/**
 * The order as it is now, then again after each status change, until it is final or `signal` aborts (the
 * client left, or the server is stopping). Changes are noticed through live ordering.order_status_changed
 * events, which every instance publishes, so a change made anywhere reaches every watcher. The watcher holds
 * no database connection while waiting: it reads the order once at the start and once per change.
 *
 * It authorises before subscribing (a read that must find an order the caller may see), so a caller who may
 * not see the order costs no subscription; it then subscribes and reads again before sending, so no change
 * falls between the read and the subscription. A change is sent once however many events announce it, and
 * in order, because what is sent is the stored order whose change count has grown.
 */
export async function* watchOrder(
  deps: WatchOrderDeps,
  principal: Principal,
  orderId: string,
  signal: AbortSignal,
): AsyncGenerator<Order, void, undefined> {
  const v = new Violations();
  const id = checkId(v, "order_id", orderId);
  v.throwIfAny();

  const visible = await deps.orders.findById(id);
  if (!visible || !canSee(visible, principal)) throw new NotFound("order not found");

  // Set by an event announcing a change not yet read; events repeating a known change are ignored.
  let announced = -1;
  let dirty = false;
  let wake: (() => void) | undefined;
  const subscription = await deps.events.subscribe({ type: STATUS_CHANGED, aggregateId: id }, (event) => {
    const sequence = sequenceOf(event);
    if (sequence !== undefined && sequence <= announced) return;
    announced = sequence ?? announced;
    dirty = true;
    wake?.();
  });
  try {
    let order = (await deps.orders.findById(id)) ?? visible;
    announced = Math.max(announced, changeCount(order));
    yield order;
    const recheckMs = deps.watchRecheckMs ?? 30_000;
    while (!isFinal(order.status) && !signal.aborted) {
      await new Promise<void>((resolve) => {
        const done = () => {
          clearTimeout(timer);
          signal.removeEventListener("abort", done);
          wake = undefined;
          resolve();
        };
        const timer = setTimeout(done, recheckMs);
        signal.addEventListener("abort", done);
        wake = done;
        if (signal.aborted || dirty) done();
      });
      if (signal.aborted) return;
      dirty = false;
      const current = await deps.orders.findById(id);
      if (current && changeCount(current) > changeCount(order)) {
        // Changes made in quick succession can be read in one go: each is still sent, as the order stood right
        // after it, so a watcher sees every step (PAID, SHIPPED, DELIVERED), not only the latest.
        for (let change = changeCount(order) + 1; change < changeCount(current); change++) {
          yield asOfChange(current, change);
        }
        order = current;
        announced = Math.max(announced, changeCount(order));
        yield order;
      }
    }
  } finally {
    await subscription.stop();
  }
}

/** The order as it stood right after its `change`-th status change (its history holds every step). */
function asOfChange(order: Order, change: number): Order {
  const history = order.history.slice(0, change + 1);
  const last = history[history.length - 1];
  return last ? { ...order, status: last.status, updateTime: last.changeTime, history } : order;
}

/** The change count an event announces; undefined for an event of unexpected shape (read anyway). */
function sequenceOf(event: DomainEvent): number | undefined {
  const sequence = (event as Partial<OrderStatusChanged>).payload?.sequence;
  return typeof sequence === "number" ? sequence : undefined;
}
