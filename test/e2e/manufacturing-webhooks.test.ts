import { Code } from "@connectrpc/connect";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  DeliveryStatus,
  ManufacturingService,
  PurchaseState,
  type WebhookDelivery,
} from "../../gen/shopfloor/manufacturing/v1/manufacturing_pb.js";
import { clientFor, closeGrpcClients, expectCode, SURFACES, type Surface } from "../support/clients.js";
import { BUSES } from "../support/event-backbones.js";
import { eventually } from "../support/eventually.js";
import { type PrivateNatsServer, startPrivateNatsServer } from "../support/nats-server.js";
import { type SignedInPartner, signInPartnerClient, uniqueOfficeCode } from "../support/partners.js";
import { type SignedIn, signInAdmin } from "../support/shop.js";
import { startTestApp, type TestApp, uniqueName } from "../support/test-app.js";
import { type Answer, WebhookReceiver } from "../support/webhook-receiver.js";

// Outbound webhooks end to end (issue 16): a regional office registers an endpoint, every purchase creation
// and state change reaches it signed (verified with the standardwebhooks package), failures are retried on
// the (shortened) Svix schedule with one webhook-id, dead-lettered when they cannot succeed, redelivered on
// request, and one hanging endpoint delays no other. Over Connect and gRPC, on PostgreSQL with JetStream and
// on the embedded default. WEBHOOK_ALLOW_PRIVATE=true lets the app reach the receivers on 127.0.0.1; the
// SSRF table runs against an app without it. The kill and NATS-restart case is in
// manufacturing-webhooks-faults.test.ts.

let nats: PrivateNatsServer;
const receivers: WebhookReceiver[] = [];

beforeAll(async () => {
  nats = await startPrivateNatsServer();
});

afterAll(async () => {
  closeGrpcClients();
  for (const r of receivers) await r.close();
  await nats?.dispose();
});

const receiver = async (...args: Parameters<typeof WebhookReceiver.start>) => {
  const r = await WebhookReceiver.start(...args);
  receivers.push(r);
  return r;
};

describe.each(BUSES)("webhooks on $database with the $bus bus", ({ bus, database }) => {
  let app: TestApp;
  let admin: SignedIn;
  let factory: SignedInPartner;

  beforeAll(async () => {
    app = await startTestApp({
      kind: database,
      env: {
        WEBHOOK_ALLOW_PRIVATE: "true",
        WEBHOOK_RETRY_BASE: "100ms",
        WEBHOOK_RETRY_MAX_AGE: "4s",
        // Longer than any test: a hanging endpoint stays hung.
        WEBHOOK_TIMEOUT: "60s",
        CONSUMER_RETRY_BASE: "200ms",
        ...(bus === "jetstream" ? { NATS_URL: nats.url } : {}),
      },
    });
    admin = await signInAdmin(app);
    factory = await signInPartnerClient(app, admin, { brands: ["skoda"] });
  });

  afterAll(async () => {
    await app?.stop();
    await app?.database.drop();
  });

  /** A new office with one endpoint at `target`, whose secret the receiver verifies with. */
  async function officeWithWebhook(surface: Surface, target: WebhookReceiver) {
    const office = await signInPartnerClient(app, admin, { officeCode: uniqueOfficeCode() });
    const { webhook, secret } = await clientFor(surface, ManufacturingService, app).registerWebhook(
      { url: target.url },
      office.call,
    );
    target.secrets.push(secret);
    return { office, webhookId: webhook?.id ?? "", secret };
  }

  /** A sale of `office`, written by the intake; resolves with its purchase id. */
  async function purchaseOf(surface: Surface, office: SignedInPartner): Promise<string> {
    const mf = clientFor(surface, ManufacturingService, app);
    const { purchaseId } = await mf.submitSale(
      { externalOrderNumber: uniqueName("EXT-"), brand: "skoda", carModel: "Octavia" },
      office.call,
    );
    await eventually(() => mf.getPurchase({ purchaseId }, office.call));
    return purchaseId;
  }

  const moveTo = (surface: Surface, purchaseId: string, state: PurchaseState) =>
    clientFor(surface, ManufacturingService, app).updatePurchaseState({ purchaseId, state }, factory.call);

  async function deliveries(surface: Surface, office: SignedInPartner, webhookId: string) {
    const { deliveries } = await clientFor(surface, ManufacturingService, app).listWebhookDeliveries(
      { webhookId },
      office.call,
    );
    return deliveries;
  }

  const deliveryAbout = async (
    surface: Surface,
    office: SignedInPartner,
    webhookId: string,
    purchaseId: string,
    eventType: string,
  ): Promise<WebhookDelivery> => {
    const found = (await deliveries(surface, office, webhookId)).find(
      (d) => d.purchaseId === purchaseId && d.eventType === eventType,
    );
    if (!found) throw new Error(`no ${eventType} delivery for ${purchaseId}`);
    return found;
  };

  describe.each(SURFACES)("over %s", (surface: Surface) => {
    const mf = () => clientFor(surface, ManufacturingService, app);

    it("delivers the creation and every state change, signed, with the delivery log naming the webhook-id", async () => {
      const target = await receiver();
      const { office, webhookId, secret } = await officeWithWebhook(surface, target);
      expect(secret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
      const purchaseId = await purchaseOf(surface, office);
      await moveTo(surface, purchaseId, PurchaseState.IN_PRODUCTION);
      await moveTo(surface, purchaseId, PurchaseState.BUILT);

      const got = await eventually(() => {
        // Deliveries of different events run side by side: receivers order them by sequence, not arrival.
        const about = target
          .about(purchaseId)
          .sort((a, b) => Number(a.payload?.data.sequence) - Number(b.payload?.data.sequence));
        expect(about.map((r) => r.payload?.type)).toEqual([
          "purchase.created",
          "purchase.state_changed",
          "purchase.state_changed",
        ]);
        return about;
      });
      expect(got.every((r) => r.verifiedBy.length === 1)).toBe(true);
      expect(got[2]?.payload?.data).toMatchObject({
        purchase: { id: purchaseId, brand: "skoda", car_model: "Octavia", state: "PURCHASE_STATE_BUILT" },
        previous_state: "PURCHASE_STATE_IN_PRODUCTION",
        state: "PURCHASE_STATE_BUILT",
        actor_id: factory.clientId,
        sequence: 2,
      });
      expect(got[0]?.headers["content-type"]).toBe("application/json");

      const log = await eventually(async () => {
        const all = await deliveries(surface, office, webhookId);
        expect(all).toHaveLength(3);
        expect(all.every((d) => d.status === DeliveryStatus.SUCCEEDED)).toBe(true);
        return all;
      });
      expect(new Set(log.map((d) => d.id))).toEqual(new Set(got.map((r) => r.id)));
      expect(log[0]).toMatchObject({ attempts: 1, lastStatusCode: 200, lastError: "", webhookId });
      expect(log[0]?.nextAttemptTime).toBeUndefined();

      const metrics = await (await fetch(`${app.httpUrl}/metrics`)).text();
      expect(metrics).toMatch(/^shopfloor_webhook_attempts_total\{outcome="succeeded"\} [1-9]/m);
      expect(metrics).toMatch(/^shopfloor_webhook_attempt_duration_seconds_count [1-9]/m);
      expect(metrics).toMatch(/^shopfloor_webhook_dead_letters_total /m);
    });

    it("retries a receiver that answers 500 twice: three attempts, one webhook-id, every signature valid", async () => {
      const failures = new Map<string, number>();
      const target = await receiver((request) => {
        const n = failures.get(request.id) ?? 0;
        failures.set(request.id, n + 1);
        return n < 2 ? 500 : 200;
      });
      const { office, webhookId } = await officeWithWebhook(surface, target);
      const purchaseId = await purchaseOf(surface, office);
      const created = await eventually(
        async () => {
          const d = await deliveryAbout(surface, office, webhookId, purchaseId, "purchase.created");
          expect(d).toMatchObject({ status: DeliveryStatus.SUCCEEDED, attempts: 3, lastStatusCode: 200 });
          return d;
        },
        { timeoutMs: 20_000 },
      );
      const attempts = target.received.filter((r) => r.id === created.id);
      expect(attempts).toHaveLength(3);
      expect(attempts.every((r) => r.verifiedBy.length === 1)).toBe(true);
      expect(new Set(attempts.map((r) => r.body)).size).toBe(1);
    });

    it("delivers to a receiver that was down for a while once it is back", async () => {
      const target = await receiver();
      const port = target.port;
      const { office, webhookId } = await officeWithWebhook(surface, target);
      await target.close();
      const purchaseId = await purchaseOf(surface, office);
      await eventually(
        async () => {
          const d = await deliveryAbout(surface, office, webhookId, purchaseId, "purchase.created");
          expect(d.attempts).toBeGreaterThanOrEqual(2);
          expect(d).toMatchObject({ status: DeliveryStatus.PENDING, lastStatusCode: 0 });
          expect(d.lastError).not.toBe("");
          expect(d.nextAttemptTime).toBeDefined();
        },
        { timeoutMs: 10_000 },
      );
      await target.listen(port);
      await eventually(
        async () => {
          const d = await deliveryAbout(surface, office, webhookId, purchaseId, "purchase.created");
          expect(d.status).toBe(DeliveryStatus.SUCCEEDED);
          expect(target.about(purchaseId)).toHaveLength(1);
        },
        { timeoutMs: 20_000 },
      );
    });

    it("fails a 4xx at once, dead-letters it, and redelivers it with the same webhook-id on request", async () => {
      let status = 410;
      const target = await receiver(() => status);
      const { office, webhookId } = await officeWithWebhook(surface, target);
      const purchaseId = await purchaseOf(surface, office);
      const failed = await eventually(async () => {
        const d = await deliveryAbout(surface, office, webhookId, purchaseId, "purchase.created");
        expect(d).toMatchObject({ status: DeliveryStatus.FAILED, attempts: 1, lastStatusCode: 410 });
        return d;
      });
      const { deliveries: dead } = await mf().listWebhookDeliveries(
        { webhookId, status: DeliveryStatus.FAILED },
        office.call,
      );
      expect(dead.map((d) => d.id)).toContain(failed.id);

      status = 200;
      const { delivery } = await mf().redeliverWebhook({ deliveryId: failed.id }, office.call);
      expect(delivery).toMatchObject({ id: failed.id, status: DeliveryStatus.PENDING });
      await eventually(async () => {
        const d = await deliveryAbout(surface, office, webhookId, purchaseId, "purchase.created");
        expect(d).toMatchObject({ id: failed.id, status: DeliveryStatus.SUCCEEDED, attempts: 2 });
      });
      expect(target.received.filter((r) => r.id === failed.id)).toHaveLength(2);
    });

    it("honours Retry-After on 429 and reports a redirect without following it", async () => {
      const elsewhere = await receiver();
      const seen = new Map<string, number>();
      const target = await receiver((request): ReturnType<Answer> => {
        const n = seen.get(request.id) ?? 0;
        seen.set(request.id, n + 1);
        if (request.payload?.type === "purchase.created")
          return n === 0 ? { status: 429, headers: { "retry-after": "1" } } : 200;
        return { status: 302, headers: { location: elsewhere.url } };
      });
      const { office, webhookId } = await officeWithWebhook(surface, target);
      const purchaseId = await purchaseOf(surface, office);
      await moveTo(surface, purchaseId, PurchaseState.CANCELLED);
      await eventually(
        async () => {
          const d = await deliveryAbout(surface, office, webhookId, purchaseId, "purchase.created");
          expect(d).toMatchObject({ status: DeliveryStatus.SUCCEEDED, attempts: 2 });
          const [first, second] = target.received.filter((r) => r.id === d.id);
          const gap =
            Number(second?.headers["webhook-timestamp"]) - Number(first?.headers["webhook-timestamp"]);
          expect(gap).toBeGreaterThanOrEqual(1);
        },
        { timeoutMs: 15_000 },
      );
      await eventually(async () => {
        const d = await deliveryAbout(surface, office, webhookId, purchaseId, "purchase.state_changed");
        expect(d.lastStatusCode).toBe(302);
        expect(d.lastError).toMatch(/redirects are not followed/);
      });
      expect(elsewhere.received).toHaveLength(0);
    });

    it("signs with both secrets for a day after a rotation", async () => {
      const target = await receiver();
      const { office, webhookId } = await officeWithWebhook(surface, target);
      const { webhook, secret } = await mf().rotateWebhookSecret({ webhookId }, office.call);
      expect(secret).toMatch(/^whsec_/);
      expect(secret).not.toBe(target.secrets[0]);
      const expires = Number(webhook?.previousSecretExpireTime?.seconds ?? 0n) * 1000;
      expect(expires - Date.now()).toBeGreaterThan(23.9 * 3_600_000);
      target.secrets.push(secret);
      const purchaseId = await purchaseOf(surface, office);
      const [got] = await eventually(() => {
        const about = target.about(purchaseId);
        expect(about).toHaveLength(1);
        return about;
      });
      expect(String(got?.headers["webhook-signature"]).split(" ")).toHaveLength(2);
      expect(got?.verifiedBy).toEqual([0, 1]);
    });

    it("keeps each office to its own endpoints and deliveries", async () => {
      const target = await receiver();
      const { office, webhookId } = await officeWithWebhook(surface, target);
      const other = await signInPartnerClient(app, admin, { officeCode: uniqueOfficeCode() });
      const { webhooks: mine } = await mf().listWebhooks({}, office.call);
      expect(mine.map((w) => w.id)).toEqual([webhookId]);
      const { webhooks: theirs } = await mf().listWebhooks({ officeCode: "" }, other.call);
      expect(theirs).toEqual([]);
      await expectCode(mf().listWebhookDeliveries({ webhookId }, other.call), Code.NotFound);
      await expectCode(mf().rotateWebhookSecret({ webhookId }, other.call), Code.NotFound);
      await expectCode(mf().deleteWebhook({ webhookId }, other.call), Code.NotFound);
      await expectCode(mf().registerWebhook({ url: target.url }, factory.call), Code.PermissionDenied);
      await expectCode(mf().listWebhooks({}, factory.call), Code.PermissionDenied);
      const { webhooks: all } = await mf().listWebhooks({}, admin.call);
      expect(all.map((w) => w.id)).toContain(webhookId);

      // A purchase of the other office sends nothing here.
      const theirPurchase = await purchaseOf(surface, other);
      await mf().deleteWebhook({ webhookId }, office.call);
      await expectCode(mf().listWebhookDeliveries({ webhookId }, office.call), Code.NotFound);
      expect(target.about(theirPurchase)).toHaveLength(0);
    });

    it("refuses malformed URLs and ids", async () => {
      const office = await signInPartnerClient(app, admin, { officeCode: uniqueOfficeCode() });
      for (const url of [
        "",
        "not a url",
        "ftp://example.com/",
        "https://user:pw@example.com/",
        "https://x/#f",
      ]) {
        await expectCode(mf().registerWebhook({ url }, office.call), Code.InvalidArgument);
      }
      await expectCode(mf().listWebhookDeliveries({ webhookId: "nope" }, office.call), Code.InvalidArgument);
      await expectCode(
        mf().redeliverWebhook({ deliveryId: crypto.randomUUID() }, office.call),
        Code.NotFound,
      );
    });
  });

  it("keeps delivering to one endpoint on time while another hangs", async () => {
    const hanging = await receiver(() => "hang");
    const healthy = await receiver();
    const { office } = await officeWithWebhook("connect", hanging);
    const registered = await clientFor("connect", ManufacturingService, app).registerWebhook(
      { url: healthy.url },
      office.call,
    );
    healthy.secrets.push(registered.secret);
    const healthyId = registered.webhook?.id ?? "";
    const purchases = await Promise.all(Array.from({ length: 6 }, () => purchaseOf("connect", office)));
    for (const id of purchases) await moveTo("connect", id, PurchaseState.IN_PRODUCTION);
    await eventually(
      () => {
        for (const id of purchases) expect(healthy.about(id)).toHaveLength(2);
      },
      { timeoutMs: 15_000 },
    );
    // The hanging endpoint holds at most its per-endpoint slots (WEBHOOK_ENDPOINT_CONCURRENCY, 2), never more.
    expect(hanging.hangingCount).toBeGreaterThanOrEqual(1);
    expect(hanging.hangingCount).toBeLessThanOrEqual(2);
    await eventually(async () => {
      const log = await deliveries("connect", office, healthyId);
      expect(log.filter((d) => d.status === DeliveryStatus.SUCCEEDED)).toHaveLength(12);
    });
    await hanging.close();
  });
});

describe("the SSRF guard at registration (WEBHOOK_ALLOW_PRIVATE unset)", () => {
  let app: TestApp;
  let office: SignedInPartner;

  beforeAll(async () => {
    app = await startTestApp({ kind: "postgres" });
    const admin = await signInAdmin(app);
    office = await signInPartnerClient(app, admin, { officeCode: uniqueOfficeCode() });
  });

  afterAll(async () => {
    await app?.stop();
    await app?.database.drop();
  });

  const refused = [
    "https://127.0.0.1/hook",
    "https://10.1.2.3/",
    "https://172.16.0.1/",
    "https://172.31.255.1/",
    "https://192.168.0.10/",
    "https://100.64.0.1/",
    "https://169.254.169.254/latest/meta-data/",
    "https://localhost/",
    "https://localhost:8443/hook",
    "https://[::1]/",
    "https://[::ffff:127.0.0.1]/",
    "https://[fd00:ec2::254]/",
    "https://0.0.0.0/",
    "https://2130706433/",
    "http://93.184.216.34/",
  ];

  describe.each(SURFACES)("over %s", (surface: Surface) => {
    it.each(refused)("refuses %s with INVALID_ARGUMENT on url", async (url) => {
      const error = await expectCode(
        clientFor(surface, ManufacturingService, app).registerWebhook({ url }, office.call),
        Code.InvalidArgument,
      );
      expect(error.rawMessage).toMatch(/^url: /);
    });

    it("accepts a public https URL", async () => {
      const { webhook } = await clientFor(surface, ManufacturingService, app).registerWebhook(
        { url: "https://93.184.216.34/hooks" },
        office.call,
      );
      expect(webhook?.url).toBe("https://93.184.216.34/hooks");
      await clientFor(surface, ManufacturingService, app).deleteWebhook(
        { webhookId: webhook?.id ?? "" },
        office.call,
      );
    });
  });
});
