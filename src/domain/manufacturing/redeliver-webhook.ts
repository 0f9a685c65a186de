import { NotFound } from "../shared/errors.js";
import { checkId } from "../shared/id-format.js";
import { Violations } from "../shared/violations.js";
import { scheduleAttempt } from "./webhook-attempts.js";
import { requireVisible, type WebhookCaller } from "./webhook-caller.js";
import { redeliver, type WebhookDelivery } from "./webhook-delivery.js";
import type { WebhookDeps } from "./webhook-ports.js";

/**
 * Sends a delivery again now, with the same webhook-id, whatever its status, as a fresh round of the retry
 * schedule. It re-enables nothing: a disabled endpoint's redelivery fails at once.
 */
export async function redeliverWebhook(
  deps: WebhookDeps,
  caller: WebhookCaller,
  command: { readonly deliveryId: string },
): Promise<WebhookDelivery> {
  const v = new Violations();
  const id = checkId(v, "delivery_id", command.deliveryId);
  v.throwIfAny();
  return deps.uow.run(async (tx) => {
    const delivery = await tx.deliveries.findForUpdate(id);
    if (!delivery) throw new NotFound("delivery not found");
    try {
      requireVisible(caller, await tx.webhooks.findById(delivery.webhookId));
    } catch {
      throw new NotFound("delivery not found");
    }
    const again = redeliver(delivery, deps.clock.now());
    await tx.deliveries.update(again);
    await scheduleAttempt(tx, again);
    return again;
  });
}
