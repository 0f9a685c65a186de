import { uuidv7 } from "uuidv7";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PostgresDeadLetters } from "../../src/adapters/postgres/postgres-dead-letters.js";
import type { DomainEvent } from "../../src/domain/shared/domain-event.js";
import type { Delivery, EventConsumer } from "../../src/domain/shared/event-bus.js";
import { transactionalConsumer } from "../../src/domain/shared/transactional-consumer.js";
import { createTestDatabase, type TestDatabase } from "../support/databases.js";
import { BUSES, startTestBackbone, type TestBackbone, userRegistered } from "../support/event-backbones.js";
import { eventually } from "../support/eventually.js";
import { type PrivateNatsServer, startPrivateNatsServer } from "../support/nats-server.js";

// The EventBus port's contract, on JetStream and on the in-process bus: durable consumers acknowledge only
// after their work committed, are idempotent on the event id, redeliver a failing event a bounded number of
// times (CONSUMER_MAX_DELIVER=3 here) and then dead-letter it, stop cleanly, and resume where they stopped;
// live subscriptions see new events while subscribed, filtered by aggregate.

let nats: PrivateNatsServer;

beforeAll(async () => {
  nats = await startPrivateNatsServer();
});

afterAll(async () => {
  await nats?.dispose();
});

const MAX_DELIVER = 3;
let consumerSerial = 0;
const consumerName = (what: string) => `${what}-${process.pid}-${++consumerSerial}`;

describe.each(BUSES)("event bus on $bus", ({ bus, database: databaseKind }) => {
  let database: TestDatabase;
  let backbone: TestBackbone;

  beforeAll(async () => {
    database = await createTestDatabase(databaseKind);
    backbone = await startTestBackbone({ bus, database, natsUrl: nats.url });
    await database.sql`create table test_work (consumer text, event_id uuid, attempt int)`;
  });

  afterAll(async () => {
    await backbone?.stop();
    await database?.drop();
  });

  /** A consumer that records what it is handed, with a behaviour per delivery. */
  const recorder = (
    name: string,
    behave: (event: DomainEvent, delivery: Delivery) => Promise<void> = async () => {},
  ) => {
    const deliveries: Array<{ event: DomainEvent; attempt: number }> = [];
    const consumer: EventConsumer = {
      name,
      eventTypes: ["identity.user_registered"],
      handle: async (event, delivery) => {
        deliveries.push({ event, attempt: delivery.attempt });
        await behave(event, delivery);
      },
    };
    return { consumer, deliveries, of: (id: string) => deliveries.filter((d) => d.event.id === id) };
  };

  it("delivers each event of its types once to a consumer whose handler succeeds", async () => {
    const r = recorder(consumerName("once"));
    const other = recorder(consumerName("other-types"));
    const stopOther = await backbone.bus.consume({
      ...other.consumer,
      eventTypes: ["catalog.product_created"],
    });
    const stop = await backbone.bus.consume(r.consumer);
    const events = Array.from({ length: 20 }, () => userRegistered());
    for (const e of events) await backbone.append(e);
    await eventually(() => expect(r.deliveries).toHaveLength(events.length));
    expect(r.deliveries.map((d) => d.event.id)).toEqual(events.map((e) => e.id));
    expect(r.deliveries.every((d) => d.attempt === 1)).toBe(true);
    expect(other.deliveries).toHaveLength(0);
    await stop.stop();
    await stopOther.stop();
  });

  it("does not hand a new consumer events published before it first started", async () => {
    const before = userRegistered();
    await backbone.append(before);
    const probe = recorder(consumerName("probe"));
    const stopProbe = await backbone.bus.consume(probe.consumer);
    await backbone.append(userRegistered());
    await eventually(() => expect(probe.deliveries.length).toBeGreaterThan(0));
    await stopProbe.stop();

    const late = recorder(consumerName("late"));
    const stop = await backbone.bus.consume(late.consumer);
    const after = userRegistered();
    await backbone.append(after);
    await eventually(() => expect(late.of(after.id)).toHaveLength(1));
    expect(late.of(before.id)).toHaveLength(0);
    await stop.stop();
  });

  it("redelivers an event whose handler throws, and acknowledges it only once the handler succeeds", async () => {
    const r = recorder(consumerName("flaky"), async (_e, delivery) => {
      if (delivery.attempt < 3) throw new Error(`failure ${delivery.attempt}`);
    });
    const stop = await backbone.bus.consume(r.consumer);
    const event = userRegistered();
    await backbone.append(event);
    await eventually(() => expect(r.of(event.id).map((d) => d.attempt)).toEqual([1, 2, 3]));
    // Acknowledged at the third attempt: a later event passes through and the first is not seen again.
    const next = userRegistered();
    await backbone.append(next);
    await eventually(() => expect(r.of(next.id)).toHaveLength(1));
    expect(r.of(event.id)).toHaveLength(3);
    const redeliveries = await backbone.metrics.consumerRedeliveries.get();
    expect(redeliveries.values.find((v) => v.labels.consumer === r.consumer.name)?.value).toBe(2);
    await stop.stop();
  });

  it("keeps an aggregate's events in order when one is retried: its later events wait, others go on", async () => {
    const first = userRegistered(uuidv7());
    const later = [userRegistered(first.aggregateId), userRegistered(first.aggregateId)];
    const poisoned = userRegistered(uuidv7());
    const afterPoisoned = userRegistered(poisoned.aggregateId);
    const elsewhere = userRegistered(uuidv7());
    const handled: string[] = [];
    const r = recorder(consumerName("ordered"), async (event, delivery) => {
      if (event.id === first.id && delivery.attempt < 3) throw new Error(`failure ${delivery.attempt}`);
      if (event.id === poisoned.id) throw new Error("never");
      handled.push(event.id);
    });
    const stop = await backbone.bus.consume(r.consumer);
    for (const e of [first, ...later, poisoned, afterPoisoned, elsewhere]) await backbone.append(e);

    await eventually(() => expect(handled).toHaveLength(5), { timeoutMs: 20_000 });
    const ofFirst = (id: string) => handled.indexOf(id);
    // The retried event is handled before its aggregate's later ones, and they in their own order.
    expect(ofFirst(first.id)).toBeLessThan(ofFirst(later[0]?.id ?? ""));
    expect(ofFirst(later[0]?.id ?? "")).toBeLessThan(ofFirst(later[1]?.id ?? ""));
    expect(r.of(first.id).map((d) => d.attempt)).toEqual([1, 2, 3]);
    // Nothing of that aggregate reached the handler while its first event was failing, and waiting is no
    // attempt: each later event arrives once, as attempt 1.
    const firstSuccess = r.deliveries.findIndex((d) => d.event.id === first.id && d.attempt === 3);
    const earliestLater = r.deliveries.findIndex((d) => later.some((l) => l.id === d.event.id));
    expect(earliestLater).toBeGreaterThan(firstSuccess);
    for (const l of later) expect(r.of(l.id).map((d) => d.attempt)).toEqual([1]);
    // A dead-lettered event releases its aggregate's next one; other aggregates never waited.
    expect(r.of(poisoned.id)).toHaveLength(MAX_DELIVER);
    expect(r.of(afterPoisoned.id).map((d) => d.attempt)).toEqual([1]);
    expect(handled).toContain(elsewhere.id);
    await stop.stop();
  });

  it("dead-letters an event after CONSUMER_MAX_DELIVER failed deliveries, visibly, and moves on", async () => {
    const poisoned = userRegistered();
    const r = recorder(consumerName("poisoned"), async (event) => {
      if (event.id === poisoned.id) throw new Error("cannot handle this one");
    });
    const stop = await backbone.bus.consume(r.consumer);
    await backbone.append(poisoned);
    const deadLetters = new PostgresDeadLetters(backbone.sql);
    const [letter] = await eventually(async () => {
      const letters = await deadLetters.list({ consumer: r.consumer.name });
      expect(letters).toHaveLength(1);
      return letters;
    });
    expect(letter).toMatchObject({
      id: poisoned.id,
      type: "identity.user_registered",
      aggregateId: poisoned.aggregateId,
      payloadType: "shopfloor.events.v1.UserRegistered",
      attempts: MAX_DELIVER,
    });
    expect(letter?.error).toContain("cannot handle this one");
    // Not delivered again: a later event arrives and the poisoned one still has exactly MAX_DELIVER tries.
    const next = userRegistered();
    await backbone.append(next);
    await eventually(() => expect(r.of(next.id)).toHaveLength(1));
    expect(r.of(poisoned.id).map((d) => d.attempt)).toEqual([1, 2, 3]);
    const dead = await backbone.metrics.consumerDeadLetters.get();
    expect(dead.values.find((v) => v.labels.consumer === r.consumer.name)?.value).toBe(1);
    await stop.stop();
  });

  it("does a transactional consumer's work once when an event is redelivered after the work committed", async () => {
    const name = consumerName("exactly-once");
    let firstAttempts = 0;
    const inner = transactionalConsumer({
      name,
      eventTypes: ["identity.user_registered"],
      uow: backbone.uow,
      handle: async (event, tx, delivery) => {
        await tx.sql`insert into test_work (consumer, event_id, attempt) values (${name}, ${event.id}, ${delivery.attempt})`;
      },
    });
    // The work commits, then the acknowledgement is "lost": the bus sees a failure and redelivers.
    const stop = await backbone.bus.consume({
      ...inner,
      handle: async (event, delivery) => {
        await inner.handle(event, delivery);
        if (delivery.attempt === 1) {
          firstAttempts += 1;
          throw new Error("acknowledgement lost");
        }
      },
    });
    const events = [userRegistered(), userRegistered()];
    await backbone.append(...events);
    await eventually(async () => {
      const rows = await backbone.sql`select 1 from processed_events where consumer = ${name}`;
      expect(rows).toHaveLength(2);
      expect(firstAttempts).toBe(2);
    });
    // Wait for the redeliveries to pass (they find the mark and do nothing), then count the work.
    const marker = userRegistered();
    await backbone.append(marker);
    await eventually(async () => {
      const rows =
        await backbone.sql`select 1 from test_work where consumer = ${name} and event_id = ${marker.id}`;
      expect(rows).toHaveLength(1);
    });
    await eventually(async () => {
      const work = await backbone.sql<{ event_id: string; attempt: number }[]>`
        select event_id, attempt from test_work where consumer = ${name} order by attempt`;
      expect(work.filter((w) => w.event_id !== marker.id)).toEqual(
        expect.arrayContaining(events.map((e) => ({ event_id: e.id, attempt: 1 }))),
      );
      expect(work).toHaveLength(3);
    });
    await stop.stop();
  });

  it("stops cleanly: the event in hand finishes, and events published meanwhile wait for the next start", async () => {
    const name = consumerName("stoppable");
    let release: () => void = () => {};
    const inHand = new Promise<void>((resolve) => {
      release = resolve;
    });
    const order: string[] = [];
    const first = userRegistered();
    const r1 = recorder(name, async (event) => {
      if (event.id === first.id) {
        await inHand;
        order.push("handler finished");
      }
    });
    const handle = await backbone.bus.consume(r1.consumer);
    await backbone.append(first);
    await eventually(() => expect(r1.of(first.id)).toHaveLength(1));
    const stopping = handle.stop().then(() => order.push("stopped"));
    release();
    await stopping;
    expect(order).toEqual(["handler finished", "stopped"]);

    const meanwhile = userRegistered();
    await backbone.append(meanwhile);
    const r2 = recorder(name);
    const restarted = await backbone.bus.consume(r2.consumer);
    await eventually(() => expect(r2.of(meanwhile.id)).toHaveLength(1));
    expect(r1.of(meanwhile.id)).toHaveLength(0);
    // The first event was acknowledged before the stop: it does not come back.
    const marker = userRegistered();
    await backbone.append(marker);
    await eventually(() => expect(r2.of(marker.id)).toHaveLength(1));
    expect(r2.of(first.id)).toHaveLength(0);
    await restarted.stop();
  });

  it("dead-letters at once an event it cannot decode", async () => {
    const r = recorder(consumerName("undecodable"));
    const stop = await backbone.bus.consume({
      ...r.consumer,
      eventTypes: ["identity.user_registered", "identity.test_unknown"],
    });
    const id = crypto.randomUUID();
    await backbone.sql`
      insert into outbox (id, type, aggregate_id, payload_type, payload, occurred_at)
      values (${id}, 'identity.test_unknown', 'x', 'shopfloor.events.v1.TestUnknown', ${new Uint8Array([1])}, now())`;
    backbone.wakeRelay();
    const deadLetters = new PostgresDeadLetters(backbone.sql);
    await eventually(async () => {
      const letters = await deadLetters.list({ consumer: r.consumer.name });
      expect(letters.map((l) => [l.id, l.attempts])).toEqual([[id, 1]]);
    });
    expect(r.deliveries).toHaveLength(0);
    await stop.stop();
  });

  it("streams live events to subscribers while subscribed, filtered by aggregate", async () => {
    const watched = crypto.randomUUID();
    const ofWatched: DomainEvent[] = [];
    const ofAll: DomainEvent[] = [];
    const one = await backbone.bus.subscribe(
      { type: "identity.user_registered", aggregateId: watched },
      (e) => void ofWatched.push(e),
    );
    const all = await backbone.bus.subscribe({ type: "identity.user_registered" }, (e) => void ofAll.push(e));
    const events = [userRegistered(watched), userRegistered(), userRegistered(watched)];
    for (const e of events) await backbone.append(e);
    await eventually(() => expect(events.every((e) => ofAll.some((a) => a.id === e.id))).toBe(true));
    expect(ofWatched.map((e) => e.id)).toEqual([events[0]?.id, events[2]?.id]);
    expect(ofWatched[0]).toEqual(events[0]);

    await one.stop();
    const after = userRegistered(watched);
    await backbone.append(after);
    await eventually(() => expect(ofAll.some((a) => a.id === after.id)).toBe(true));
    expect(ofWatched.some((e) => e.id === after.id)).toBe(false);
    await all.stop();
  });

  it("hands live subscribers an event of a type this build cannot decode, without its payload", async () => {
    const seen: DomainEvent[] = [];
    const sub = await backbone.bus.subscribe(
      { type: "identity.test_live_unknown" },
      (e) => void seen.push(e),
    );
    const id = crypto.randomUUID();
    await backbone.sql`
      insert into outbox (id, type, aggregate_id, payload_type, payload, occurred_at)
      values (${id}, 'identity.test_live_unknown', 'agg-1', 'shopfloor.events.v1.TestLiveUnknown',
              ${new Uint8Array([1])}, now())`;
    backbone.wakeRelay();
    await eventually(() =>
      expect(seen).toEqual([
        {
          id,
          type: "identity.test_live_unknown",
          aggregateId: "agg-1",
          occurredAt: expect.any(Date),
          payload: undefined,
        },
      ]),
    );
    await sub.stop();
  });

  if (bus === "jetstream") {
    it("streams to a live subscriber on one instance the events another instance relays", async () => {
      const other = await startTestBackbone({ bus, database, natsUrl: nats.url });
      try {
        const seen: DomainEvent[] = [];
        const sub = await other.bus.subscribe({ type: "identity.user_registered" }, (e) => void seen.push(e));
        const event = userRegistered();
        await backbone.append(event);
        await eventually(() => expect(seen.map((e) => e.id)).toContain(event.id));
        await sub.stop();
      } finally {
        await other.stop();
      }
    });
  }
});
