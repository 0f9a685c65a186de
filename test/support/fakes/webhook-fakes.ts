import type { AttemptResult, WebhookDelivery } from "../../../src/domain/manufacturing/webhook-delivery.js";
import type { WebhookEndpoint } from "../../../src/domain/manufacturing/webhook-endpoint.js";
import type {
  DeliveryListQuery,
  WebhookDeliveryRepository,
  WebhookDeps,
  WebhookMessage,
  WebhookRepository,
  WebhookTx,
} from "../../../src/domain/manufacturing/webhook-ports.js";
import type { JobRequest } from "../../../src/domain/shared/job-scheduler.js";
import type { CursorValue, PageTokens } from "../../../src/domain/shared/page-tokens.js";

// In-memory twins of the webhook ports. The unit of work runs the work directly (no rollback is needed by
// the tests that use it); scheduled jobs are collected for the test to run by hand.

export class FakeWebhooks implements WebhookRepository {
  rows = new Map<string, WebhookEndpoint>();
  async insert(e: WebhookEndpoint) {
    this.rows.set(e.id, e);
  }
  async findById(id: string) {
    return this.rows.get(id);
  }
  async findForUpdate(id: string) {
    return this.rows.get(id);
  }
  async list(officeCode: string | undefined) {
    return [...this.rows.values()].filter((e) => officeCode === undefined || e.officeCode === officeCode);
  }
  async listEnabledForOffice(officeCode: string) {
    return [...this.rows.values()].filter((e) => e.officeCode === officeCode && !e.disabled);
  }
  async update(e: WebhookEndpoint) {
    this.rows.set(e.id, e);
  }
  async delete(id: string) {
    return this.rows.delete(id);
  }
}

export class FakeDeliveries implements WebhookDeliveryRepository {
  rows = new Map<string, WebhookDelivery>();
  async insert(d: WebhookDelivery) {
    if ([...this.rows.values()].some((r) => r.webhookId === d.webhookId && r.eventId === d.eventId))
      return false;
    this.rows.set(d.id, d);
    return true;
  }
  async findById(id: string) {
    return this.rows.get(id);
  }
  async findForUpdate(id: string) {
    return this.rows.get(id);
  }
  async update(d: WebhookDelivery) {
    this.rows.set(d.id, d);
  }
  async list(q: DeliveryListQuery) {
    return [...this.rows.values()]
      .filter((d) => d.webhookId === q.webhookId && (!q.status || d.status === q.status))
      .filter((d) => !q.beforeId || d.id < q.beforeId)
      .sort((a, b) => (a.id < b.id ? 1 : -1))
      .slice(0, q.limit);
  }
  async abandonPending(webhookId: string, reason: string) {
    let n = 0;
    for (const d of this.rows.values()) {
      if (d.webhookId === webhookId && d.status === "PENDING") {
        this.rows.set(d.id, { ...d, status: "FAILED", lastError: reason, nextAttemptTime: undefined });
        n++;
      }
    }
    return n;
  }
}

/** Answers each message with the next scripted result (the last one repeats). */
export class ScriptedSender {
  readonly sent: WebhookMessage[] = [];
  constructor(public script: AttemptResult[]) {}
  async send(message: WebhookMessage): Promise<AttemptResult> {
    this.sent.push(message);
    const result = this.script.length > 1 ? this.script.shift() : this.script[0];
    if (!result) throw new Error("no scripted result");
    return result;
  }
}

export const plainPageTokens: PageTokens = {
  seal: (scope, cursor) => Buffer.from(JSON.stringify([scope, cursor])).toString("base64url"),
  open: (_field, scope, token) => {
    const [s, cursor] = JSON.parse(Buffer.from(token, "base64url").toString()) as [string, CursorValue[]];
    if (s !== scope) throw new Error("wrong scope");
    return cursor;
  },
};

export interface WebhookFakes {
  readonly deps: WebhookDeps;
  readonly webhooks: FakeWebhooks;
  readonly deliveries: FakeDeliveries;
  readonly sender: ScriptedSender;
  readonly jobs: JobRequest[];
  readonly clock: { now: Date };
  readonly counts: { attempts: number; deadLetters: number };
}

export function webhookFakes(overrides: Partial<WebhookDeps> = {}): WebhookFakes {
  const webhooks = new FakeWebhooks();
  const deliveries = new FakeDeliveries();
  const sender = new ScriptedSender([{ kind: "answered", status: 200 }]);
  const jobs: JobRequest[] = [];
  const clock = { now: new Date("2026-01-01T00:00:00Z") };
  const counts = { attempts: 0, deadLetters: 0 };
  let seq = 0;
  const tx: WebhookTx = {
    webhooks,
    deliveries,
    jobs: {
      schedule: async (job) => {
        jobs.push(job);
        return true;
      },
      cancel: async () => false,
    },
    processedEvents: { markProcessed: async () => true },
  };
  const deps: WebhookDeps = {
    uow: { run: (work) => work(tx) },
    webhooks,
    deliveries,
    guard: { refusal: async () => undefined },
    secrets: { newSecret: () => `whsec_${Buffer.alloc(32, ++seq).toString("base64")}` },
    sender,
    observer: {
      attempted: () => void counts.attempts++,
      deadLettered: () => void counts.deadLetters++,
    },
    pageTokens: plainPageTokens,
    clock: { now: () => clock.now },
    ids: { newId: () => `0190a000-0000-7000-8000-${String(++seq).padStart(12, "0")}` },
    schedule: { baseMs: 5_000, maxAgeMs: 24 * 3_600_000 },
    allowPrivate: false,
    disableAfterMs: 5 * 86_400_000,
    perEndpointConcurrency: 1,
    ...overrides,
  };
  return { deps, webhooks, deliveries, sender, jobs, clock, counts };
}
