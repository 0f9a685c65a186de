import { checkId } from "../shared/id-format.js";
import { Violations } from "../shared/violations.js";
import { requireVisible, type WebhookCaller } from "./webhook-caller.js";
import { rotateSecret, viewOf, type WebhookView } from "./webhook-endpoint.js";
import type { WebhookDeps } from "./webhook-ports.js";

/**
 * Issues a new secret (returned once). The one it replaces keeps signing beside it for 24 h, so each message
 * carries two signatures and a receiver verifying with either passes while it switches. Rotating again
 * within the overlap drops the oldest: only the last two secrets ever sign.
 */
export async function rotateWebhookSecret(
  deps: WebhookDeps,
  caller: WebhookCaller,
  command: { readonly webhookId: string },
): Promise<{ readonly webhook: WebhookView; readonly secret: string }> {
  const v = new Violations();
  const id = checkId(v, "webhook_id", command.webhookId);
  v.throwIfAny();
  const now = deps.clock.now();
  const rotated = await deps.uow.run(async (tx) => {
    const endpoint = requireVisible(caller, await tx.webhooks.findForUpdate(id));
    const next = rotateSecret(endpoint, deps.secrets.newSecret(), now);
    await tx.webhooks.update(next);
    return next;
  });
  return { webhook: viewOf(rotated, now), secret: rotated.secret };
}
