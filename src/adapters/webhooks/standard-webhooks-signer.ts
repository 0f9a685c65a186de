import { Webhook } from "standardwebhooks";

// Signing by the Standard Webhooks reference library itself, so what receivers verify with it (or with any
// conforming library) is what we sent: v1,<base64 HMAC-SHA256 of "id.timestamp.body"> per secret.

/** The webhook-timestamp header: whole seconds since the epoch. */
export const timestampHeader = (timestamp: Date): string => String(Math.floor(timestamp.getTime() / 1000));

/** The webhook-signature header: one signature per secret, space-separated, as the spec allows during rotation. */
export function signatureHeader(
  id: string,
  timestamp: Date,
  body: string,
  secrets: readonly string[],
): string {
  return secrets.map((secret) => new Webhook(secret).sign(id, timestamp, body)).join(" ");
}
