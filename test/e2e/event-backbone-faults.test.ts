import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { fromBinary } from "@bufbuild/protobuf";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { UserRegisteredSchema } from "../../gen/shopfloor/events/v1/events_pb.js";
import { IdentityService } from "../../gen/shopfloor/identity/v1/identity_pb.js";
import { connectDatabase, type Sql } from "../../src/adapters/postgres/database.js";
import { PostgresEventOutbox } from "../../src/adapters/postgres/postgres-event-outbox.js";
import { PostgresUnitOfWork } from "../../src/adapters/postgres/postgres-unit-of-work.js";
import type { DomainEvent, EventOutbox } from "../../src/domain/shared/domain-event.js";
import { clientFor, closeGrpcClients } from "../support/clients.js";
import { createTestDatabase, type TestDatabase } from "../support/databases.js";
import { publishedCount, startTestBackbone, userRegistered } from "../support/event-backbones.js";
import { eventually } from "../support/eventually.js";
import { readStream, type StoredEvent } from "../support/jetstream-contents.js";
import { type PrivateNatsServer, startPrivateNatsServer } from "../support/nats-server.js";
import { startTestApp, type TestApp, uniqueName } from "../support/test-app.js";

// Faults injected for real: NATS stopped and restarted under writes, a relay process SIGKILLed between
// publishing and marking, and two app instances sharing one database and one NATS.

const STREAM = "SHOPFLOOR_EVENTS";

/** Writes events from outside the app, through a pool of the test's own (the app hears of them by NOTIFY). */
function outsideWriter(url: string): {
  append(...events: DomainEvent[]): Promise<void>;
  close(): Promise<void>;
} {
  const sql: Sql = connectDatabase(url, { max: 3 });
  const uow = new PostgresUnitOfWork<{ outbox: EventOutbox }>(sql, (tx, events) => ({
    outbox: new PostgresEventOutbox(tx, events.appended),
  }));
  return {
    append: (...events) =>
      uow.run(async (tx) => {
        for (const event of events) await tx.outbox.append(event);
      }),
    close: () => sql.end({ timeout: 5 }),
  };
}

async function metric(app: TestApp, name: string): Promise<number> {
  const text = await (await fetch(`${app.httpUrl}/metrics`)).text();
  return text
    .split("\n")
    .filter((line) => line.startsWith(`${name} `) || line.startsWith(`${name}{`))
    .reduce((sum, line) => sum + Number(line.slice(line.lastIndexOf(" ") + 1)), 0);
}

async function outboxIds(sql: Sql): Promise<Array<{ id: string; aggregate_id: string }>> {
  return sql`select id, aggregate_id from outbox order by seq`;
}

/** Every outbox event is in the stream exactly once, and each aggregate's events are in outbox order. */
function expectStreamMatchesOutbox(
  stored: StoredEvent[],
  outbox: Array<{ id: string; aggregate_id: string }>,
) {
  expect(stored.map((m) => m.id).sort()).toEqual(outbox.map((r) => r.id).sort());
  for (const aggregate of new Set(outbox.map((r) => r.aggregate_id))) {
    expect(stored.filter((m) => m.aggregateId === aggregate).map((m) => m.id)).toEqual(
      outbox.filter((r) => r.aggregate_id === aggregate).map((r) => r.id),
    );
  }
}

describe("NATS stopped while the app takes writes", () => {
  let nats: PrivateNatsServer;
  let app: TestApp;

  beforeAll(async () => {
    nats = await startPrivateNatsServer();
    app = await startTestApp({ env: { NATS_URL: nats.url } });
  });

  afterAll(async () => {
    closeGrpcClients();
    await app?.stop();
    await app?.database.drop();
    await nats?.dispose();
  });

  it("keeps taking writes, fails /readyz, and after the restart every event arrives once, in order", async () => {
    const identity = clientFor("connect", IdentityService, app);
    const register = () => {
      const username = uniqueName("outage_");
      return identity.register({
        email: `${username}@example.com`,
        username,
        password: "correct horse battery",
      });
    };
    await register();
    expect((await fetch(`${app.httpUrl}/readyz`)).status).toBe(200);

    await nats.stop();
    await eventually(async () => {
      const res = await fetch(`${app.httpUrl}/readyz`);
      expect(res.status).toBe(503);
      expect(await res.json()).toMatchObject({ checks: { database: "ok", nats: "unavailable" } });
    });

    // Writes go on: users register, and three aggregates change five times each, one change after another.
    const users = await Promise.all(Array.from({ length: 10 }, () => register()));
    const writer = outsideWriter(app.database.url);
    try {
      await Promise.all(
        [crypto.randomUUID(), crypto.randomUUID(), crypto.randomUUID()].map(async (aggregate) => {
          for (let i = 0; i < 5; i++) await writer.append(userRegistered(aggregate));
        }),
      );
    } finally {
      await writer.close();
    }
    // The relay tries, fails, backs off; the lag shows on /metrics.
    await eventually(async () => {
      expect(await metric(app, "shopfloor_outbox_publish_failures_total")).toBeGreaterThanOrEqual(3);
      expect(await metric(app, "shopfloor_outbox_lag_seconds")).toBeGreaterThan(0);
    });

    await nats.start();
    await eventually(async () => expect((await fetch(`${app.httpUrl}/readyz`)).status).toBe(200));
    await eventually(async () => {
      const [row] = await app.sql<
        { n: number }[]
      >`select count(*)::int as n from outbox where published_at is null`;
      expect(row?.n).toBe(0);
    });
    const stored = await readStream(nats.url, STREAM);
    expectStreamMatchesOutbox(stored, await outboxIds(app.sql));
    // identity.user_registered carries the new user.
    const registered = stored.find((m) => m.aggregateId === users[0]?.user?.id);
    expect(registered?.subject).toBe("shopfloor.events.identity.user_registered");
    expect(fromBinary(UserRegisteredSchema, registered?.data ?? new Uint8Array())).toMatchObject({
      userId: users[0]?.user?.id,
      username: users[0]?.user?.username,
      role: "ROLE_CUSTOMER",
    });
    await eventually(async () => expect(await metric(app, "shopfloor_outbox_lag_seconds")).toBe(0));
  });
});

describe("a relay killed with SIGKILL between publishing and marking", () => {
  let nats: PrivateNatsServer;
  let database: TestDatabase;

  beforeAll(async () => {
    nats = await startPrivateNatsServer();
    database = await createTestDatabase("postgres");
  });

  afterAll(async () => {
    await database?.drop();
    await nats?.dispose();
  });

  it("loses nothing, and the republished events are dropped as duplicates", async () => {
    const writer = outsideWriter(database.url);
    const events = Array.from({ length: 50 }, (_, i) => userRegistered(`aggregate-${i % 5}`));
    try {
      for (const event of events) await writer.append(event);
    } finally {
      await writer.close();
    }

    const script = fileURLToPath(new URL("../support/relay-until-published.ts", import.meta.url));
    const child = spawn(process.execPath, ["--import", "tsx", script, database.url, nats.url], {
      stdio: ["ignore", "pipe", "pipe"],
    });
    const exited = new Promise<NodeJS.Signals | null>((resolve) => child.once("exit", (_c, s) => resolve(s)));
    let out = "";
    child.stdout.on("data", (chunk: Buffer) => {
      out += chunk.toString();
    });
    child.stderr.on("data", (chunk: Buffer) => {
      out += chunk.toString();
    });
    await eventually(() => expect(out).toContain(`published ${events.length}`), { timeoutMs: 20_000 });

    // Published, not yet marked: the crash window.
    expect(await readStream(nats.url, STREAM)).toHaveLength(events.length);
    const [unmarked] = await database.sql<{ n: number }[]>`
      select count(*)::int as n from outbox where published_at is null`;
    expect(unmarked?.n).toBe(events.length);

    child.kill("SIGKILL");
    expect(await exited).toBe("SIGKILL");

    const survivor = await startTestBackbone({ bus: "jetstream", database, natsUrl: nats.url });
    try {
      await eventually(async () => {
        const [row] = await database.sql<{ n: number }[]>`
          select count(*)::int as n from outbox where published_at is null`;
        expect(row?.n).toBe(0);
      });
      expect(await publishedCount(survivor.metrics)).toBe(events.length);
      const stored = await readStream(nats.url, STREAM);
      expect(stored).toHaveLength(events.length);
      expectStreamMatchesOutbox(stored, await outboxIds(database.sql));
    } finally {
      await survivor.stop();
    }
  });
});

describe("two app instances on one database and one NATS", () => {
  let nats: PrivateNatsServer;
  let apps: TestApp[] = [];

  beforeAll(async () => {
    nats = await startPrivateNatsServer();
    const first = await startTestApp({ env: { NATS_URL: nats.url } });
    const second = await startTestApp({ database: first.database, env: { NATS_URL: nats.url } });
    apps = [first, second];
  });

  afterAll(async () => {
    closeGrpcClients();
    for (const app of apps) await app.stop();
    await apps[0]?.database.drop();
    await nats?.dispose();
  });

  it("publish each event once between them", async () => {
    await Promise.all(
      Array.from({ length: 30 }, (_, i) => {
        const username = uniqueName("pair_");
        return clientFor("connect", IdentityService, apps[i % 2] as TestApp).register({
          email: `${username}@example.com`,
          username,
          password: "correct horse battery",
        });
      }),
    );
    const sql = (apps[0] as TestApp).sql;
    await eventually(async () => {
      const [row] = await sql<
        { n: number }[]
      >`select count(*)::int as n from outbox where published_at is null`;
      expect(row?.n).toBe(0);
    });
    const outbox = await outboxIds(sql);
    const published = await Promise.all(apps.map((app) => metric(app, "shopfloor_outbox_published_total")));
    expect(published.reduce((a, b) => a + b, 0)).toBe(outbox.length);
    expectStreamMatchesOutbox(await readStream(nats.url, STREAM), outbox);
  });

  it("run each scheduled job once between them", async () => {
    const runs: Array<{ app: number; key: string }> = [];
    const name = uniqueName("test.once.");
    const handles = apps.map((app, i) =>
      app.jobs.handle(name, async (job) => {
        runs.push({ app: i, key: job.key });
      }),
    );
    const keys = Array.from({ length: 40 }, (_, i) => `job-${i}`);
    await Promise.all(keys.map((key, i) => apps[i % 2]?.jobs.schedule({ name, key, runAt: new Date() })));
    await eventually(() => expect(runs).toHaveLength(keys.length));
    expect(runs.map((r) => r.key).sort()).toEqual([...keys].sort());
    for (const handle of handles) await handle.stop();
  });
});
