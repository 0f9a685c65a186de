import type { EventConsumer } from "../shared/event-bus.js";
import { transactionalConsumer } from "../shared/transactional-consumer.js";
import type { PurchaseCreated, PurchaseStateChanged } from "./events.js";
import { scheduleAttempt } from "./webhook-attempts.js";
import type { WebhookDelivery } from "./webhook-delivery.js";
import { type PurchaseChangeNotice, webhookBody } from "./webhook-message.js";
import { NOTIFIED_EVENT_TYPES, noticeOf } from "./webhook-notice.js";
import type { WebhookDeps, WebhookTx } from "./webhook-ports.js";

/**
 * One delivery per enabled endpoint of the purchase's office, each with its first attempt due at once, in the
 * transaction of the consumer that read the event (so a redelivered event finds them made). An endpoint
 * registered after the change gets nothing of it.
 */
export async function enqueueWebhookDeliveries(
  tx: WebhookTx,
  deps: Pick<WebhookDeps, "ids" | "clock">,
  notice: PurchaseChangeNotice,
): Promise<number> {
  const endpoints = await tx.webhooks.listEnabledForOffice(notice.officeCode);
  if (endpoints.length === 0) return 0;
  const body = webhookBody(notice);
  const now = deps.clock.now();
  let made = 0;
  for (const endpoint of endpoints) {
    const delivery: WebhookDelivery = {
      id: deps.ids.newId(),
      webhookId: endpoint.id,
      eventId: notice.eventId,
      eventType: notice.type,
      purchaseId: notice.purchaseId,
      body,
      status: "PENDING",
      attempts: 0,
      roundAttempts: 0,
      roundStart: now,
      lastStatusCode: 0,
      lastError: "",
      nextAttemptTime: now,
      createTime: now,
      attemptSeq: 1,
    };
    if (await tx.deliveries.insert(delivery)) {
      await scheduleAttempt(tx, delivery);
      made++;
    }
  }
  return made;
}

/** The durable consumer that turns every purchase creation and state change into its office's deliveries. */
export function webhookDeliveryConsumer(deps: Pick<WebhookDeps, "uow" | "ids" | "clock">): EventConsumer {
  return transactionalConsumer<WebhookTx>({
    name: "manufacturing-webhook-deliveries",
    eventTypes: NOTIFIED_EVENT_TYPES,
    uow: deps.uow,
    handle: async (event, tx) => {
      await enqueueWebhookDeliveries(tx, deps, noticeOf(event as PurchaseCreated | PurchaseStateChanged));
    },
  });
}
