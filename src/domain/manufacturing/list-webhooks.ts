import type { WebhookCaller } from "./webhook-caller.js";
import { viewOf, type WebhookView } from "./webhook-endpoint.js";
import type { WebhookDeps } from "./webhook-ports.js";

/** An office's own endpoints; an admin's choice of one office's, or every office's (empty code). */
export async function listWebhooks(
  deps: WebhookDeps,
  caller: WebhookCaller,
  query: { readonly officeCode: string },
): Promise<WebhookView[]> {
  // An office passing another office's code still sees only its own: the filter is the caller's scope.
  const office = caller.kind === "office" ? caller.officeCode : query.officeCode.trim() || undefined;
  const now = deps.clock.now();
  return (await deps.webhooks.list(office)).map((endpoint) => viewOf(endpoint, now));
}
