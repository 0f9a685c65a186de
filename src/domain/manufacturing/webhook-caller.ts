import { NotFound, PermissionDenied } from "../shared/errors.js";
import type { WebhookEndpoint } from "./webhook-endpoint.js";

/**
 * Who manages webhooks: a regional office (its own endpoints) or an admin (every office's). The RPC adapter
 * builds it from the verified principal; other roles never get this far (access policy).
 */
export type WebhookCaller =
  | { readonly kind: "office"; readonly actorId: string; readonly officeCode: string }
  | { readonly kind: "admin"; readonly actorId: string };

/** Another office's endpoint is NOT_FOUND: its existence is not revealed. */
export function requireVisible(
  caller: WebhookCaller,
  endpoint: WebhookEndpoint | undefined,
): WebhookEndpoint {
  if (!endpoint || (caller.kind === "office" && endpoint.officeCode !== caller.officeCode)) {
    throw new NotFound("webhook not found");
  }
  return endpoint;
}

/** The office an endpoint is registered for: an office's own; an admin has none to register for. */
export function officeOf(caller: WebhookCaller): string {
  if (caller.kind !== "office") throw new PermissionDenied("only a regional office registers webhooks");
  return caller.officeCode;
}
