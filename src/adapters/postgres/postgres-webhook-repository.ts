import type { WebhookEndpoint } from "../../domain/manufacturing/webhook-endpoint.js";
import type { WebhookRepository } from "../../domain/manufacturing/webhook-ports.js";
import { isId } from "../../domain/shared/id-format.js";
import type { SqlExecutor } from "./database.js";

interface WebhookRow {
  id: string;
  office_code: string;
  url: string;
  secret: string;
  previous_secret: string | null;
  previous_secret_expire_time: Date | null;
  create_time: Date;
  disabled: boolean;
  disabled_reason: string;
  failing_since: Date | null;
}

const toEndpoint = (r: WebhookRow): WebhookEndpoint => ({
  id: r.id,
  officeCode: r.office_code,
  url: r.url,
  secret: r.secret,
  previousSecret: r.previous_secret ?? undefined,
  previousSecretExpireTime: r.previous_secret_expire_time ?? undefined,
  createTime: r.create_time,
  disabled: r.disabled,
  disabledReason: r.disabled_reason,
  failingSince: r.failing_since ?? undefined,
});

/** Regional offices' webhook endpoints (webhooks, 008). */
export class PostgresWebhookRepository implements WebhookRepository {
  constructor(private readonly sql: SqlExecutor) {}

  async insert(e: WebhookEndpoint): Promise<void> {
    await this.sql`
      insert into webhooks (id, office_code, url, secret, create_time)
      values (${e.id}, ${e.officeCode}, ${e.url}, ${e.secret}, ${e.createTime})`;
  }

  async findById(id: string): Promise<WebhookEndpoint | undefined> {
    if (!isId(id)) return undefined;
    const [row] = await this.sql<WebhookRow[]>`select * from webhooks where id = ${id}`;
    return row && toEndpoint(row);
  }

  async findForUpdate(id: string): Promise<WebhookEndpoint | undefined> {
    if (!isId(id)) return undefined;
    const [row] = await this.sql<WebhookRow[]>`select * from webhooks where id = ${id} for update`;
    return row && toEndpoint(row);
  }

  async list(officeCode: string | undefined): Promise<WebhookEndpoint[]> {
    const rows =
      officeCode === undefined
        ? await this.sql<WebhookRow[]>`select * from webhooks order by id`
        : await this.sql<WebhookRow[]>`select * from webhooks where office_code = ${officeCode} order by id`;
    return rows.map(toEndpoint);
  }

  async listEnabledForOffice(officeCode: string): Promise<WebhookEndpoint[]> {
    const rows = await this.sql<WebhookRow[]>`
      select * from webhooks where office_code = ${officeCode} and not disabled order by id`;
    return rows.map(toEndpoint);
  }

  async update(e: WebhookEndpoint): Promise<void> {
    await this.sql`
      update webhooks
      set secret = ${e.secret}, previous_secret = ${e.previousSecret ?? null},
          previous_secret_expire_time = ${e.previousSecretExpireTime ?? null},
          disabled = ${e.disabled}, disabled_reason = ${e.disabledReason},
          failing_since = ${e.failingSince ?? null}
      where id = ${e.id}`;
  }

  async delete(id: string): Promise<boolean> {
    if (!isId(id)) return false;
    const rows = await this.sql`delete from webhooks where id = ${id} returning id`;
    return rows.length > 0;
  }
}
