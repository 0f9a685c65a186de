import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { pruneExpiredEvents } from "../../src/adapters/postgres/postgres-event-retention.js";
import type { DomainEvent } from "../../src/domain/shared/domain-event.js";
import type { StopHandle } from "../../src/domain/shared/stop-handle.js";
import { createTestDatabase, type TestDatabase } from "../support/databases.js";
import {
  BUSES,
  publishedCount,
  startTestBackbone,
  type TestBackbone,
  userRegistered,
} from "../support/event-backbones.js";
import { eventually } from "../support/eventually.js";
import { readStream } from "../support/jetstream-contents.js";
import { type PrivateNatsServer, startPrivateNatsServer } from "../support/nats-server.js";

// The outbox relay's contract, on both buses: committed events are published once each, in order per
// aggregate, rolled-back ones never; published rows are marked and later pruned; two relays on one
// database never publish a row twice.

let nats: PrivateNatsServer;

beforeAll(async () => {
  nats = await startPrivateNatsServer();
});

afterAll(async () => {
  await nats?.dispose();
});

describe.each(BUSES)("outbox relay to the $bus bus", ({ bus, database: databaseKind }) => {
  let database: TestDatabase;
  let backbone: TestBackbone;
  const received: DomainEvent[] = [];
  let consumer: StopHandle;

  beforeAll(async () => {
    database = await createTestDatabase(databaseKind);
    backbone = await startTestBackbone({ bus, database, natsUrl: nats.url });
    consumer = await backbone.bus.consume({
      name: "relay-contract-recorder",
      eventTypes: ["identity.user_registered"],
      handle: async (event) => {
        received.push(event);
      },
    });
  });

  afterAll(async () => {
    await consumer?.stop();
    await backbone?.stop();
    await database?.drop();
  });

  const receivedIds = () => new Set(received.map((e) => e.id));

  it("publishes each committed event once, in order per aggregate, and marks it published", async () => {
    const aggregates: string[] = [crypto.randomUUID(), crypto.randomUUID(), crypto.randomUUID()];
    const written: DomainEvent[] = [];
    // Concurrent across aggregates; one aggregate's changes commit one after another, as a use case's do
    // (each locks its aggregate's row). Per-aggregate order is commit order, which is then outbox order.
    await Promise.all(
      aggregates.map(async (aggregate) => {
        for (let i = 0; i < 5; i++) {
          const batch = [userRegistered(aggregate), userRegistered(aggregate)];
          written.push(...batch);
          await backbone.append(...batch);
        }
      }),
    );
    await eventually(() => expect(written.every((e) => receivedIds().has(e.id))).toBe(true));

    const mine = received.filter((e) => aggregates.includes(e.aggregateId));
    expect(mine).toHaveLength(written.length);
    for (const aggregate of aggregates) {
      const outboxOrder = await backbone.sql<{ id: string }[]>`
        select id from outbox where aggregate_id = ${aggregate} order by seq`;
      expect(mine.filter((e) => e.aggregateId === aggregate).map((e) => e.id)).toEqual(
        outboxOrder.map((r) => r.id),
      );
    }
    const [unpublished] = await backbone.sql<{ n: number }[]>`
      select count(*)::int as n from outbox where published_at is null`;
    expect(unpublished?.n).toBe(0);
    expect(await publishedCount(backbone.metrics)).toBeGreaterThanOrEqual(written.length);
  });

  it("hands the consumer the event as the domain wrote it", async () => {
    const event = userRegistered();
    await backbone.append(event);
    const got = await eventually(() => {
      const found = received.find((e) => e.id === event.id);
      if (!found) throw new Error("not yet");
      return found;
    });
    expect(got).toEqual(event);
  });

  it("never publishes the events of a rolled-back transaction", async () => {
    const doomed = userRegistered();
    await expect(
      backbone.uow.run(async (tx) => {
        await tx.outbox.append(doomed);
        throw new Error("rolled back");
      }),
    ).rejects.toThrow("rolled back");
    const later = userRegistered();
    await backbone.append(later);
    await eventually(() => expect(receivedIds().has(later.id)).toBe(true));
    expect(receivedIds().has(doomed.id)).toBe(false);
    const rows = await backbone.sql`select 1 from outbox where id = ${doomed.id}`;
    expect(rows).toHaveLength(0);
  });

  it("reports no outbox lag once everything is published", async () => {
    const event = userRegistered();
    await backbone.append(event);
    await eventually(() => expect(receivedIds().has(event.id)).toBe(true));
    await eventually(async () => expect((await backbone.metrics.outboxLag.get()).values[0]?.value).toBe(0));
  });

  if (bus === "jetstream") {
    it("publishes to shopfloor.events.<type> with the event id as Nats-Msg-Id and the payload headers", async () => {
      const event = userRegistered();
      await backbone.append(event);
      await eventually(() => expect(receivedIds().has(event.id)).toBe(true));
      const stored = (await readStream(nats.url, "SHOPFLOOR_EVENTS")).find((m) => m.id === event.id);
      expect(stored).toMatchObject({
        subject: "shopfloor.events.identity.user_registered",
        aggregateId: event.aggregateId,
        payloadType: "shopfloor.events.v1.UserRegistered",
        occurredAt: event.occurredAt.toISOString(),
      });
    });
  }
});

describe.each(BUSES)("two relays on one PostgreSQL database, $bus bus", ({ bus }) => {
  let database: TestDatabase;
  // A server of its own: a second stream on the shared one could not take the same subjects.
  let own: PrivateNatsServer;
  const instances: TestBackbone[] = [];

  beforeAll(async () => {
    database = await createTestDatabase("postgres");
    own = await startPrivateNatsServer();
    for (let i = 0; i < 2; i++) instances.push(await startTestBackbone({ bus, database, natsUrl: own.url }));
  });

  afterAll(async () => {
    for (const instance of instances) await instance.stop();
    await own?.dispose();
    await database?.drop();
  });

  it("publish every event exactly once between them", async () => {
    const events = Array.from({ length: 300 }, () => userRegistered());
    await Promise.all(events.map((event, i) => instances[i % 2]?.append(event)));
    await eventually(async () => {
      const [row] = await database.sql<{ n: number }[]>`
        select count(*)::int as n from outbox where published_at is null`;
      expect(row?.n).toBe(0);
    });
    const counts = await Promise.all(instances.map((i) => publishedCount(i.metrics)));
    expect(counts.reduce((a, b) => a + b, 0)).toBe(events.length);
    if (bus === "jetstream") {
      const stored = await readStream(own.url, "SHOPFLOOR_EVENTS");
      expect(stored).toHaveLength(events.length);
      expect(new Set(stored.map((m) => m.id)).size).toBe(events.length);
    }
  });
});

describe.each(["postgres", "pglite"] as const)("event retention on %s", (kind) => {
  let database: TestDatabase;

  beforeAll(async () => {
    database = await createTestDatabase(kind);
  });

  afterAll(async () => {
    await database?.drop();
  });

  it("prunes published events, processed ids and finished jobs past retention, and keeps the rest", async () => {
    const sql = database.sql;
    const ids = [crypto.randomUUID(), crypto.randomUUID(), crypto.randomUUID()] as const;
    const row = (id: string, ageDays: number, published: boolean) => sql`
      insert into outbox (id, type, aggregate_id, payload_type, payload, occurred_at, published_at)
      values (${id}, 'test.happened', 'a', 'test.Happened', ${new Uint8Array([0])},
              now() - make_interval(days => ${ageDays}),
              ${published ? sql`now() - make_interval(days => ${ageDays})` : sql`null`})`;
    await row(ids[0], 8, true);
    await row(ids[1], 1, true);
    await row(ids[2], 9, false);
    await sql`insert into processed_events (consumer, event_id, processed_at) values
      ('c', ${ids[0]}, now() - interval '8 days'), ('c', ${ids[1]}, now())`;
    await sql`insert into scheduled_jobs (name, key, run_at, state, finish_time) values
      ('t', 'old-done', now(), 'done', now() - interval '8 days'),
      ('t', 'new-done', now(), 'done', now()),
      ('t', 'old-dead', now(), 'dead', now() - interval '8 days'),
      ('t', 'pending', now() - interval '8 days', 'pending', null)`;

    const pruned = await pruneExpiredEvents(sql, 7 * 86_400_000);

    expect(pruned).toEqual({ outbox: 1, processedEvents: 1, finishedJobs: 1 });
    const left = await sql<{ id: string }[]>`select id from outbox order by seq`;
    expect(left.map((r) => r.id)).toEqual([ids[1], ids[2]]);
    const jobs = await sql<{ key: string }[]>`select key from scheduled_jobs order by key`;
    expect(jobs.map((j) => j.key)).toEqual(["new-done", "old-dead", "pending"]);
  });
});
