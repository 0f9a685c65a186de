import { pino } from "pino";
import { describe, expect, it } from "vitest";
import { LiveEventFanout } from "../../src/adapters/events/live-event-fanout.js";
import type { DomainEvent } from "../../src/domain/shared/domain-event.js";
import type { LiveEventFilter } from "../../src/domain/shared/event-bus.js";

const TYPE = "ordering.order_status_changed";
const event = (aggregateId: string): DomainEvent =>
  ({ id: `e-${aggregateId}`, type: TYPE, aggregateId, occurredAt: new Date(), payload: {} }) as DomainEvent;

describe("LiveEventFanout", () => {
  it("costs an event work in proportion to the watchers of its aggregate, not to all watchers", async () => {
    const fanout = new LiveEventFanout(pino({ level: "silent" }));
    // Filters that count how often anyone looks at them: dispatch must not walk other orders' watchers.
    let looked = 0;
    const counted = (aggregateId: string): LiveEventFilter => ({
      type: TYPE,
      get aggregateId() {
        looked += 1;
        return aggregateId;
      },
    });
    const calls: string[] = [];
    for (let i = 0; i < 1000; i++) fanout.add(counted(`order-${i}`), () => calls.push(`order-${i}`));
    const everyOrder: string[] = [];
    fanout.add({ type: TYPE }, (e) => everyOrder.push(e.aggregateId));
    looked = 0;

    fanout.dispatch(event("order-7"));
    expect(calls).toEqual(["order-7"]);
    expect(everyOrder).toEqual(["order-7"]);
    expect(looked).toBe(0);
    fanout.dispatch(event("nobody-watches-this"));
    expect(calls).toEqual(["order-7"]);
    expect(everyOrder).toEqual(["order-7", "nobody-watches-this"]);
  });

  it("forgets an aggregate's index once its last watcher leaves, and counts what is left", () => {
    const fanout = new LiveEventFanout(pino({ level: "silent" }));
    const removeA = fanout.add({ type: TYPE, aggregateId: "a" }, () => {});
    const removeB = fanout.add({ type: TYPE, aggregateId: "a" }, () => {});
    expect(fanout.listenerCountOf(TYPE, "a")).toBe(2);
    removeA();
    removeA();
    expect(fanout.listenerCount(TYPE)).toBe(1);
    removeB();
    expect(fanout.listenerCount(TYPE)).toBe(0);
    expect(fanout.listenerCountOf(TYPE, "a")).toBe(0);
  });
});
