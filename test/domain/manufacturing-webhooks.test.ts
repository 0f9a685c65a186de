import { describe, expect, it } from "vitest";
import { enqueueWebhookDeliveries } from "../../src/domain/manufacturing/enqueue-webhook-deliveries.js";
import { listWebhooks } from "../../src/domain/manufacturing/list-webhooks.js";
import { redeliverWebhook } from "../../src/domain/manufacturing/redeliver-webhook.js";
import { registerWebhook } from "../../src/domain/manufacturing/register-webhook.js";
import { rotateWebhookSecret } from "../../src/domain/manufacturing/rotate-webhook-secret.js";
import { attemptDelivery } from "../../src/domain/manufacturing/webhook-attempts.js";
import type { WebhookCaller } from "../../src/domain/manufacturing/webhook-caller.js";
import { type AttemptResult, verdictOf } from "../../src/domain/manufacturing/webhook-delivery.js";
import { signingSecrets } from "../../src/domain/manufacturing/webhook-endpoint.js";
import { EndpointSlots } from "../../src/domain/manufacturing/webhook-endpoint-slots.js";
import type { PurchaseChangeNotice } from "../../src/domain/manufacturing/webhook-message.js";
import {
  DEFAULT_RETRY_SCHEDULE,
  MAX_ATTEMPTS,
  nextAttemptTime,
  SVIX_DELAYS_MS,
} from "../../src/domain/manufacturing/webhook-retry-schedule.js";
import { InvalidArgument, NotFound } from "../../src/domain/shared/errors.js";
import { type WebhookFakes, webhookFakes } from "../support/fakes/webhook-fakes.js";

const office: WebhookCaller = { kind: "office", actorId: "u1", officeCode: "prague" };
const otherOffice: WebhookCaller = { kind: "office", actorId: "u2", officeCode: "vienna" };
const H = 3_600_000;

const notice = (eventId: string, officeCode = "prague"): PurchaseChangeNotice => ({
  eventId,
  type: "purchase.state_changed",
  purchaseId: "0190a000-0000-7000-8000-00000000aaaa",
  officeCode,
  externalOrderNumber: "PO-1",
  brand: "skoda",
  carModel: "Octavia",
  previousState: "ORDERED",
  state: "IN_PRODUCTION",
  actorId: "m1",
  changeTime: new Date("2026-01-01T00:00:00Z"),
  sequence: 1,
});

/** Registers one endpoint and makes one delivery to it; returns the delivery's id. */
async function oneDelivery(f: WebhookFakes): Promise<string> {
  await registerWebhook(f.deps, office, { url: "https://hooks.example.com/in" });
  await f.deps.uow.run((tx) =>
    enqueueWebhookDeliveries(tx, f.deps, notice("0190a000-0000-7000-8000-0000000e0001")),
  );
  const [delivery] = f.deliveries.rows.values();
  if (!delivery) throw new Error("no delivery");
  return delivery.id;
}

/** Runs the attempt the last scheduled job asks for, at its due time. */
async function runNextJob(f: WebhookFakes, slots = new EndpointSlots(1)): Promise<void> {
  const job = f.jobs.shift();
  if (!job) throw new Error("nothing scheduled");
  if (job.runAt > f.clock.now) f.clock.now = job.runAt;
  await attemptDelivery(f.deps, slots, job.payload as { deliveryId: string; seq: number });
}

describe("the retry schedule", () => {
  const at = (attemptsMade: number, elapsedMs: number) =>
    nextAttemptTime(DEFAULT_RETRY_SCHEDULE, {
      attemptsMade,
      roundStart: new Date(0),
      now: new Date(elapsedMs),
      jitterSeed: "d1",
    });

  it("follows Svix's delays after each failed attempt, within 10% jitter", () => {
    let elapsed = 0;
    for (let made = 1; made < MAX_ATTEMPTS - 1; made++) {
      const next = at(made, elapsed);
      const delay = (next?.getTime() ?? 0) - elapsed;
      const planned = SVIX_DELAYS_MS[made] ?? 0;
      expect(delay).toBeGreaterThanOrEqual(planned * 0.9);
      expect(delay).toBeLessThanOrEqual(planned * 1.1);
      elapsed += delay;
    }
  });

  it("makes the eighth attempt at the end of the 24 h window and then gives up", () => {
    expect(at(7, 18 * H)?.getTime()).toBe(24 * H);
    expect(at(8, 24 * H)).toBeUndefined();
    expect(at(3, 24 * H)).toBeUndefined();
  });

  it("scales with WEBHOOK_RETRY_BASE and never goes past WEBHOOK_RETRY_MAX_AGE", () => {
    const next = nextAttemptTime(
      { baseMs: 100, maxAgeMs: 3000 },
      { attemptsMade: 1, roundStart: new Date(0), now: new Date(0), jitterSeed: "x" },
    );
    expect(next?.getTime()).toBeGreaterThanOrEqual(90);
    expect(next?.getTime()).toBeLessThanOrEqual(110);
    const third = nextAttemptTime(
      { baseMs: 100, maxAgeMs: 3000 },
      { attemptsMade: 2, roundStart: new Date(0), now: new Date(100), jitterSeed: "x" },
    );
    expect(third?.getTime()).toBe(3000);
  });

  it("waits at least as long as Retry-After asks", () => {
    const next = nextAttemptTime(DEFAULT_RETRY_SCHEDULE, {
      attemptsMade: 1,
      roundStart: new Date(0),
      now: new Date(0),
      retryAfterMs: 60_000,
      jitterSeed: "d",
    });
    expect(next?.getTime()).toBe(60_000);
  });
});

describe("what an answer means", () => {
  const answered = (status: number): AttemptResult => ({ kind: "answered", status });
  it.each([200, 201, 204, 299])("%i ends the delivery", (s) =>
    expect(verdictOf(answered(s))).toBe("succeeded"),
  );
  it.each([500, 502, 503, 504, 408, 409, 429, 301, 302, 307])("%i is retried", (s) =>
    expect(verdictOf(answered(s))).toBe("retry"),
  );
  it.each([400, 401, 403, 404, 410, 413, 422])("%i fails at once", (s) =>
    expect(verdictOf(answered(s))).toBe("failed"),
  );
  it("retries timeouts and network errors, and never sends to a refused address", () => {
    expect(verdictOf({ kind: "unreachable", error: "timeout" })).toBe("retry");
    expect(verdictOf({ kind: "refused", error: "loopback" })).toBe("failed");
  });
});

describe("registering and rotating", () => {
  it("refuses http URLs, credentials and fragments, and what the address guard refuses", async () => {
    const f = webhookFakes({
      guard: { refusal: async (url) => (url.hostname === "internal" ? "private" : undefined) },
    });
    for (const url of [
      "http://hooks.example.com/",
      "https://u:p@hooks.example.com/",
      "https://h.example/#x",
      "ftp://x/",
      "nope",
      "https://internal/",
    ]) {
      await expect(registerWebhook(f.deps, office, { url })).rejects.toBeInstanceOf(InvalidArgument);
    }
    expect(f.webhooks.rows.size).toBe(0);
  });

  it("returns a whsec_ secret of 32 bytes once and never in a listing", async () => {
    const f = webhookFakes();
    const { webhook, secret } = await registerWebhook(f.deps, office, {
      url: "https://hooks.example.com/in",
    });
    expect(secret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
    const [listed] = await listWebhooks(f.deps, office, { officeCode: "" });
    expect(listed?.id).toBe(webhook.id);
    expect(JSON.stringify(listed)).not.toContain(secret.slice(6));
    expect(await listWebhooks(f.deps, otherOffice, { officeCode: "prague" })).toEqual([]);
  });

  it("keeps the old secret signing beside the new one for 24 hours, then only the new", async () => {
    const f = webhookFakes();
    const { webhook, secret: first } = await registerWebhook(f.deps, office, {
      url: "https://h.example.com/",
    });
    const { secret: second } = await rotateWebhookSecret(f.deps, office, { webhookId: webhook.id });
    const endpoint = f.webhooks.rows.get(webhook.id);
    if (!endpoint) throw new Error("gone");
    expect(signingSecrets(endpoint, f.clock.now)).toEqual([second, first]);
    expect(signingSecrets(endpoint, new Date(f.clock.now.getTime() + 24 * H))).toEqual([second]);
    await expect(rotateWebhookSecret(f.deps, otherOffice, { webhookId: webhook.id })).rejects.toBeInstanceOf(
      NotFound,
    );
  });
});

describe("delivering", () => {
  it("makes one delivery per endpoint and event, however often the event comes", async () => {
    const f = webhookFakes();
    await registerWebhook(f.deps, office, { url: "https://a.example.com/" });
    await registerWebhook(f.deps, office, { url: "https://b.example.com/" });
    await registerWebhook(f.deps, otherOffice, { url: "https://c.example.com/" });
    const n = notice("0190a000-0000-7000-8000-0000000e0002");
    await f.deps.uow.run((tx) => enqueueWebhookDeliveries(tx, f.deps, n));
    await f.deps.uow.run((tx) => enqueueWebhookDeliveries(tx, f.deps, n));
    expect(f.deliveries.rows.size).toBe(2);
    expect(f.jobs).toHaveLength(2);
  });

  it("retries 500 twice with the same webhook-id, then succeeds", async () => {
    const f = webhookFakes();
    f.sender.script = [
      { kind: "answered", status: 500 },
      { kind: "answered", status: 500 },
      { kind: "answered", status: 200 },
    ];
    const id = await oneDelivery(f);
    await runNextJob(f);
    await runNextJob(f);
    await runNextJob(f);
    expect(f.sender.sent.map((m) => m.id)).toEqual([id, id, id]);
    expect(new Set(f.sender.sent.map((m) => m.body)).size).toBe(1);
    const done = f.deliveries.rows.get(id);
    expect(done).toMatchObject({ status: "SUCCEEDED", attempts: 3, lastStatusCode: 200, lastError: "" });
    expect(f.jobs).toHaveLength(0);
  });

  it("dead-letters a 400 at once and a delivery whose retries ran out", async () => {
    const f = webhookFakes();
    f.sender.script = [{ kind: "answered", status: 400 }];
    const id = await oneDelivery(f);
    await runNextJob(f);
    expect(f.deliveries.rows.get(id)).toMatchObject({ status: "FAILED", attempts: 1, lastStatusCode: 400 });
    expect(f.counts.deadLetters).toBe(1);

    const g = webhookFakes();
    g.sender.script = [{ kind: "unreachable", error: "ECONNREFUSED" }];
    const other = await oneDelivery(g);
    while (g.jobs.length > 0) await runNextJob(g);
    expect(g.deliveries.rows.get(other)).toMatchObject({
      status: "FAILED",
      attempts: MAX_ATTEMPTS,
      lastStatusCode: 0,
    });
  });

  it("disables an endpoint that failed every attempt for 5 days", async () => {
    const f = webhookFakes({ schedule: { baseMs: 5_000, maxAgeMs: 30 * 86_400_000 } });
    f.sender.script = [{ kind: "answered", status: 503 }];
    await registerWebhook(f.deps, office, { url: "https://a.example.com/" });
    const [endpoint] = f.webhooks.rows.values();
    for (let day = 0; day < 6; day++) {
      await f.deps.uow.run((tx) =>
        enqueueWebhookDeliveries(tx, f.deps, notice(`0190a000-0000-7000-8000-0000000e010${day}`)),
      );
      await runNextJob(f);
      f.jobs.length = 0;
      f.clock.now = new Date(f.clock.now.getTime() + 86_400_000);
    }
    expect(f.webhooks.rows.get(endpoint?.id ?? "")).toMatchObject({ disabled: true });
    expect([...f.deliveries.rows.values()].every((d) => d.status === "FAILED")).toBe(true);
  });

  it("puts an attempt back instead of waiting when its endpoint's slots are taken", async () => {
    const f = webhookFakes();
    const id = await oneDelivery(f);
    const slots = new EndpointSlots(1);
    const [endpoint] = f.webhooks.rows.values();
    slots.tryTake(endpoint?.id ?? "");
    await runNextJob(f, slots);
    expect(f.sender.sent).toHaveLength(0);
    expect(f.deliveries.rows.get(id)).toMatchObject({ status: "PENDING", attempts: 0, attemptSeq: 2 });
    expect(f.jobs).toHaveLength(1);
  });

  it("redelivers a failed delivery with its id, and the superseded attempt does nothing", async () => {
    const f = webhookFakes();
    f.sender.script = [
      { kind: "answered", status: 410 },
      { kind: "answered", status: 200 },
    ];
    const id = await oneDelivery(f);
    await runNextJob(f);
    expect(f.deliveries.rows.get(id)?.status).toBe("FAILED");
    const again = await redeliverWebhook(f.deps, office, { deliveryId: id });
    expect(again).toMatchObject({ id, status: "PENDING" });
    await expect(redeliverWebhook(f.deps, otherOffice, { deliveryId: id })).rejects.toBeInstanceOf(NotFound);
    const stale = { deliveryId: id, seq: 1 };
    await attemptDelivery(f.deps, new EndpointSlots(1), stale);
    expect(f.sender.sent).toHaveLength(1);
    await runNextJob(f);
    expect(f.deliveries.rows.get(id)).toMatchObject({ status: "SUCCEEDED", attempts: 2 });
    expect(f.sender.sent.map((m) => m.id)).toEqual([id, id]);
  });
});
