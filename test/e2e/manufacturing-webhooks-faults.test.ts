import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  DeliveryStatus,
  ManufacturingService,
  PurchaseState,
} from "../../gen/shopfloor/manufacturing/v1/manufacturing_pb.js";
import { clientFor, closeGrpcClients, type Endpoints } from "../support/clients.js";
import { createTestDatabase, type TestDatabase } from "../support/databases.js";
import { eventually } from "../support/eventually.js";
import { type PrivateNatsServer, startPrivateNatsServer } from "../support/nats-server.js";
import { type SignedInPartner, signInPartnerClient, uniqueOfficeCode } from "../support/partners.js";
import { signInAdmin } from "../support/shop.js";
import { type SpawnedApp, spawnApp } from "../support/spawned-app.js";
import { TEST_ADMIN, uniqueName } from "../support/test-app.js";
import { WebhookReceiver } from "../support/webhook-receiver.js";

// Webhooks through faults (issue 16): an instance SIGKILLed while its attempt is in the receiver's hands,
// then NATS restarted under the survivor. Nothing is lost: the cut attempt is made again by the other
// instance once its job's lease (JOB_LEASE) lapses, with the same webhook-id (at least once), and changes
// made across the NATS restart are delivered too. Every request's signature is verified.

describe("webhooks when an instance is killed mid-delivery and NATS restarts", () => {
  let nats: PrivateNatsServer;
  let database: TestDatabase;
  let victim: SpawnedApp;
  let survivor: SpawnedApp | undefined;
  let receiver: WebhookReceiver;

  const env = (): Record<string, string> => ({
    HOST: "127.0.0.1",
    HTTP_PORT: "0",
    GRPC_PORT: "0",
    DATABASE_URL: database.url,
    NATS_URL: nats.url,
    ADMIN_EMAIL: TEST_ADMIN.email,
    ADMIN_PASSWORD: TEST_ADMIN.password,
    LOG_LEVEL: "info",
    JOB_LEASE: "2s",
    WEBHOOK_ALLOW_PRIVATE: "true",
    WEBHOOK_RETRY_BASE: "200ms",
    WEBHOOK_RETRY_MAX_AGE: "60s",
    WEBHOOK_TIMEOUT: "60s",
    CONSUMER_RETRY_BASE: "200ms",
  });

  beforeAll(async () => {
    nats = await startPrivateNatsServer();
    database = await createTestDatabase("postgres");
    victim = await spawnApp(env());
  });

  afterAll(async () => {
    closeGrpcClients();
    for (const app of [victim, survivor]) if (app?.child.exitCode === null) app.child.kill("SIGKILL");
    await receiver?.close();
    await database?.drop();
    await nats?.dispose();
  });

  it("delivers every change at least once with a stable webhook-id", async () => {
    // The first request is held open, so the victim dies with that attempt in flight; the rest are answered.
    receiver = await WebhookReceiver.start((_request, n) => (n === 0 ? "hang" : 200));
    const admin = await signInAdmin(victim);
    const office = await signInPartnerClient(victim, admin, { officeCode: uniqueOfficeCode() });
    const factory = await signInPartnerClient(victim, admin, { brands: ["skoda"] });
    const mf = (app: Endpoints) => clientFor("connect", ManufacturingService, app);
    const { webhook, secret } = await mf(victim).registerWebhook({ url: receiver.url }, office.call);
    receiver.secrets.push(secret);
    const webhookId = webhook?.id ?? "";

    const { purchaseId } = await mf(victim).submitSale(
      { externalOrderNumber: uniqueName("EXT-"), brand: "skoda", carModel: "Kodiaq" },
      office.call,
    );
    const [cut] = await eventually(() => {
      expect(receiver.received).toHaveLength(1);
      return receiver.received;
    });
    expect(cut?.payload?.type).toBe("purchase.created");

    const exited = new Promise((resolve) => victim.child.once("exit", resolve));
    victim.child.kill("SIGKILL");
    await exited;

    survivor = await spawnApp(env());
    const live = survivor;
    const move = (state: PurchaseState, as: SignedInPartner = factory) =>
      mf(live).updatePurchaseState({ purchaseId, state }, as.call);
    await move(PurchaseState.IN_PRODUCTION);

    await nats.stop();
    // Changes while NATS is away wait in the outbox; nothing is lost.
    await move(PurchaseState.BUILT);
    await nats.start();
    await move(PurchaseState.SHIPPED);

    const about = await eventually(
      async () => {
        const got = receiver.about(purchaseId);
        const states = new Set(got.map((r) => r.payload?.data.state));
        expect(states).toEqual(
          new Set(["ORDERED", "IN_PRODUCTION", "BUILT", "SHIPPED"].map((s) => `PURCHASE_STATE_${s}`)),
        );
        const { deliveries } = await mf(live).listWebhookDeliveries({ webhookId }, office.call);
        expect(deliveries).toHaveLength(4);
        expect(deliveries.every((d) => d.status === DeliveryStatus.SUCCEEDED)).toBe(true);
        return got;
      },
      { timeoutMs: 60_000, intervalMs: 200 },
    );
    // The cut attempt was made again, with its webhook-id.
    expect(about.filter((r) => r.id === cut?.id).length).toBeGreaterThanOrEqual(2);
    // Every request carried a valid signature, and one webhook-id per change.
    expect(receiver.received.every((r) => r.verifiedBy.length === 1)).toBe(true);
    const idsPerState = new Map<string, Set<string>>();
    for (const r of about) {
      const state = String(r.payload?.data.state);
      idsPerState.set(state, (idsPerState.get(state) ?? new Set()).add(r.id));
    }
    for (const ids of idsPerState.values()) expect(ids.size).toBe(1);
  }, 120_000);
});
