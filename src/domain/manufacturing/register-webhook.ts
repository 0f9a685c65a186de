import { FailedPrecondition, InvalidArgument } from "../shared/errors.js";
import { Violations } from "../shared/violations.js";
import { officeOf, type WebhookCaller } from "./webhook-caller.js";
import { viewOf, type WebhookEndpoint, type WebhookView } from "./webhook-endpoint.js";
import type { WebhookDeps } from "./webhook-ports.js";
import { checkWebhookUrl } from "./webhook-url.js";

/** Endpoints one office may have: a bound on the fan-out of every purchase change. */
export const MAX_WEBHOOKS_PER_OFFICE = 10;

/**
 * Registers an endpoint for the caller's office and returns its secret (the only time it is shown). The URL's
 * host must resolve only to public addresses (unless private ones are allowed); the same check runs again at
 * every delivery, since DNS can change.
 */
export async function registerWebhook(
  deps: WebhookDeps,
  caller: WebhookCaller,
  command: { readonly url: string },
): Promise<{ readonly webhook: WebhookView; readonly secret: string }> {
  const officeCode = officeOf(caller);
  const v = new Violations();
  const url = checkWebhookUrl(v, "url", command.url.trim(), deps.allowPrivate);
  v.throwIfAny();
  if (!url) throw InvalidArgument.field("url", "is not a valid URL");
  const refusal = await deps.guard.refusal(url);
  if (refusal) throw InvalidArgument.field("url", refusal);
  const now = deps.clock.now();
  const endpoint: WebhookEndpoint = {
    id: deps.ids.newId(),
    officeCode,
    url: url.href,
    secret: deps.secrets.newSecret(),
    createTime: now,
    disabled: false,
    disabledReason: "",
  };
  await deps.uow.run(async (tx) => {
    const existing = await tx.webhooks.list(officeCode);
    if (existing.length >= MAX_WEBHOOKS_PER_OFFICE) {
      throw new FailedPrecondition(`an office may register at most ${MAX_WEBHOOKS_PER_OFFICE} webhooks`);
    }
    await tx.webhooks.insert(endpoint);
  });
  return { webhook: viewOf(endpoint, now), secret: endpoint.secret };
}
