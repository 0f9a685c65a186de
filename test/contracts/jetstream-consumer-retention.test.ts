import { connect, type NatsConnection } from "nats";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase, type TestDatabase } from "../support/databases.js";
import { startTestBackbone, type TestBackbone } from "../support/event-backbones.js";
import { eventually } from "../support/eventually.js";
import { type PrivateNatsServer, startPrivateNatsServer } from "../support/nats-server.js";

// On JetStream, a durable consumer that no instance runs any more (removed from the code) is removed by the
// server after EVENT_RETENTION, as the in-process bus forgets such consumers; one that runs stays. PostgreSQL
// only: the JetStream side is what is tested.

let nats: PrivateNatsServer;
let database: TestDatabase;
let backbone: TestBackbone;
let client: NatsConnection;

beforeAll(async () => {
  nats = await startPrivateNatsServer();
  database = await createTestDatabase("postgres");
  backbone = await startTestBackbone({
    bus: "jetstream",
    database,
    natsUrl: nats.url,
    env: { EVENT_RETENTION: "2s" },
  });
  client = await connect({ servers: nats.url });
});

afterAll(async () => {
  await client?.close();
  await backbone?.stop();
  await database?.drop();
  await nats?.dispose();
});

describe("JetStream durable consumers", () => {
  it("are removed by the server once no instance has run them for EVENT_RETENTION", async () => {
    const jsm = await client.jetstreamManager();
    const handle = async () => {};
    const removed = await backbone.bus.consume({
      name: "removed-from-code",
      eventTypes: ["identity.user_registered"],
      handle,
    });
    const running = await backbone.bus.consume({
      name: "still-running",
      eventTypes: ["identity.user_registered"],
      handle,
    });
    await removed.stop();
    await eventually(
      async () => {
        await expect(jsm.consumers.info("SHOPFLOOR_EVENTS", "removed-from-code")).rejects.toThrow();
      },
      { timeoutMs: 15_000, intervalMs: 250 },
    );
    expect((await jsm.consumers.info("SHOPFLOOR_EVENTS", "still-running")).name).toBe("still-running");
    await running.stop();
  }, 30_000);
});
