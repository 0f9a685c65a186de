import { checkId } from "../shared/id-format.js";
import { Violations } from "../shared/violations.js";
import { requireVisible, type WebhookCaller } from "./webhook-caller.js";
import type { WebhookDeps } from "./webhook-ports.js";

/** Removes an endpoint with its delivery log; attempts already scheduled find nothing and do nothing. */
export async function deleteWebhook(
  deps: WebhookDeps,
  caller: WebhookCaller,
  command: { readonly webhookId: string },
): Promise<void> {
  const v = new Violations();
  const id = checkId(v, "webhook_id", command.webhookId);
  v.throwIfAny();
  await deps.uow.run(async (tx) => {
    requireVisible(caller, await tx.webhooks.findForUpdate(id));
    await tx.webhooks.delete(id);
  });
}
