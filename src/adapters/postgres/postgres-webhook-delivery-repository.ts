import type { DeliveryStatus, WebhookDelivery } from "../../domain/manufacturing/webhook-delivery.js";
import type {
  DeliveryListQuery,
  WebhookDeliveryRepository,
} from "../../domain/manufacturing/webhook-ports.js";
import { isId } from "../../domain/shared/id-format.js";
import type { SqlExecutor } from "./database.js";

interface DeliveryRow {
  id: string;
  webhook_id: string;
  event_id: string;
  event_type: string;
  purchase_id: string;
  body: string;
  status: DeliveryStatus;
  attempts: number;
  round_attempts: number;
  round_start: Date;
  last_status_code: number;
  last_error: string;
  next_attempt_time: Date | null;
  last_attempt_time: Date | null;
  create_time: Date;
  attempt_seq: number;
}

const toDelivery = (r: DeliveryRow): WebhookDelivery => ({
  id: r.id,
  webhookId: r.webhook_id,
  eventId: r.event_id,
  eventType: r.event_type,
  purchaseId: r.purchase_id,
  body: r.body,
  status: r.status,
  attempts: r.attempts,
  roundAttempts: r.round_attempts,
  roundStart: r.round_start,
  lastStatusCode: r.last_status_code,
  lastError: r.last_error,
  nextAttemptTime: r.next_attempt_time ?? undefined,
  lastAttemptTime: r.last_attempt_time ?? undefined,
  createTime: r.create_time,
  attemptSeq: r.attempt_seq,
});

/** The webhook delivery log (webhook_deliveries, 008). */
export class PostgresWebhookDeliveryRepository implements WebhookDeliveryRepository {
  constructor(private readonly sql: SqlExecutor) {}

  async insert(d: WebhookDelivery): Promise<boolean> {
    const rows = await this.sql`
      insert into webhook_deliveries
        (id, webhook_id, event_id, event_type, purchase_id, body, status, attempts, round_attempts,
         round_start, last_status_code, last_error, next_attempt_time, create_time, attempt_seq)
      values (${d.id}, ${d.webhookId}, ${d.eventId}, ${d.eventType}, ${d.purchaseId}, ${d.body}, ${d.status},
              ${d.attempts}, ${d.roundAttempts}, ${d.roundStart}, ${d.lastStatusCode}, ${d.lastError},
              ${d.nextAttemptTime ?? null}, ${d.createTime}, ${d.attemptSeq})
      on conflict (webhook_id, event_id) do nothing
      returning id`;
    return rows.length > 0;
  }

  async findById(id: string): Promise<WebhookDelivery | undefined> {
    if (!isId(id)) return undefined;
    const [row] = await this.sql<DeliveryRow[]>`select * from webhook_deliveries where id = ${id}`;
    return row && toDelivery(row);
  }

  async findForUpdate(id: string): Promise<WebhookDelivery | undefined> {
    if (!isId(id)) return undefined;
    const [row] = await this.sql<DeliveryRow[]>`select * from webhook_deliveries where id = ${id} for update`;
    return row && toDelivery(row);
  }

  async update(d: WebhookDelivery): Promise<void> {
    await this.sql`
      update webhook_deliveries
      set status = ${d.status}, attempts = ${d.attempts}, round_attempts = ${d.roundAttempts},
          round_start = ${d.roundStart}, last_status_code = ${d.lastStatusCode}, last_error = ${d.lastError},
          next_attempt_time = ${d.nextAttemptTime ?? null}, last_attempt_time = ${d.lastAttemptTime ?? null},
          attempt_seq = ${d.attemptSeq}
      where id = ${d.id}`;
  }

  async list(q: DeliveryListQuery): Promise<WebhookDelivery[]> {
    const { sql } = this;
    const rows = await sql<DeliveryRow[]>`
      select * from webhook_deliveries
      where webhook_id = ${q.webhookId}
        ${q.status ? sql`and status = ${q.status}` : sql``}
        ${q.beforeId ? sql`and id < ${q.beforeId}` : sql``}
      order by id desc
      limit ${q.limit}`;
    return rows.map(toDelivery);
  }

  async abandonPending(webhookId: string, reason: string): Promise<number> {
    const rows = await this.sql`
      update webhook_deliveries
      set status = 'FAILED', last_error = ${reason}, next_attempt_time = null
      where webhook_id = ${webhookId} and status = 'PENDING'
      returning id`;
    return rows.length;
  }
}
