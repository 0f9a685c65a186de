import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { IdentityService } from "../../gen/shopfloor/identity/v1/identity_pb.js";
import { loadConfig } from "../../src/app/config.js";
import { type RunningApp, startApp } from "../../src/app/container.js";
import type { DomainEvent } from "../../src/domain/shared/domain-event.js";
import { clientFor, closeGrpcClients } from "../support/clients.js";
import { eventually } from "../support/eventually.js";
import { uniqueName } from "../support/test-app.js";

// The embedded default end to end: PGlite and the in-process bus, no NATS. A registration's
// identity.user_registered reaches a durable consumer and a live subscriber of the running app.

describe("events on the embedded default", () => {
  let app: RunningApp;

  beforeAll(async () => {
    // No DATABASE_URL and no NATS_URL: the app starts PGlite (in memory here) and the in-process bus itself.
    app = await startApp(
      loadConfig({
        HOST: "127.0.0.1",
        HTTP_PORT: "0",
        GRPC_PORT: "0",
        SHOPFLOOR_DATA_DIR: ":memory:",
        DEMO_DATA: "false",
        LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? "silent",
      }),
    );
  });

  afterAll(async () => {
    closeGrpcClients();
    await app?.stop();
  });

  it("delivers identity.user_registered to consumers and live subscribers, with no server", async () => {
    const durable: DomainEvent[] = [];
    const live: DomainEvent[] = [];
    const consumer = await app.events.consume({
      name: "embedded-e2e",
      eventTypes: ["identity.user_registered"],
      handle: async (event) => void durable.push(event),
    });
    const subscription = await app.events.subscribe({ type: "identity.user_registered" }, (e) =>
      live.push(e),
    );

    const username = uniqueName("embedded_");
    const { user } = await clientFor("connect", IdentityService, app).register({
      email: `${username}@example.com`,
      username,
      password: "correct horse battery",
    });

    const expected = {
      type: "identity.user_registered",
      aggregateId: user?.id,
      payload: expect.objectContaining({ userId: user?.id, username, role: "CUSTOMER" }),
    };
    await eventually(() => expect(durable).toEqual([expect.objectContaining(expected)]));
    await eventually(() => expect(live).toEqual([expect.objectContaining(expected)]));
    const ready = await (await fetch(`${app.httpUrl}/readyz`)).json();
    expect(ready).toEqual({ status: "ready", checks: { serving: "ok", database: "ok" } });
    await subscription.stop();
    await consumer.stop();
  });
});
