import { checkId } from "../shared/id-format.js";
import type { Page } from "../shared/page.js";
import { pageSizeOf } from "../shared/page-size.js";
import { openCursor, sealedPage } from "../shared/page-tokens.js";
import { Violations } from "../shared/violations.js";
import { requireVisible, type WebhookCaller } from "./webhook-caller.js";
import type { DeliveryStatus, WebhookDelivery } from "./webhook-delivery.js";
import type { WebhookDeps } from "./webhook-ports.js";

export interface ListWebhookDeliveriesQuery {
  readonly webhookId: string;
  readonly status?: DeliveryStatus | undefined;
  readonly pageSize: number;
  readonly pageToken: string;
}

/** An endpoint's delivery log, newest first: what was sent, how it went, and when the next attempt is due. */
export async function listWebhookDeliveries(
  deps: WebhookDeps,
  caller: WebhookCaller,
  query: ListWebhookDeliveriesQuery,
): Promise<Page<WebhookDelivery>> {
  const v = new Violations();
  const webhookId = checkId(v, "webhook_id", query.webhookId);
  const size = pageSizeOf(v, "page_size", query.pageSize);
  v.throwIfAny();
  requireVisible(caller, await deps.webhooks.findById(webhookId));
  const scope = `webhook-deliveries:${webhookId}:${query.status ?? ""}`;
  const cursor = openCursor(deps.pageTokens, "page_token", scope, query.pageToken, ["string"] as const);
  const rows = await deps.deliveries.list({
    webhookId,
    status: query.status,
    beforeId: cursor?.[0],
    limit: size + 1,
  });
  return sealedPage(deps.pageTokens, scope, rows, size, (last) => [last.id]);
}
