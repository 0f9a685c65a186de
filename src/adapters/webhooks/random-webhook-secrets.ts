import { randomBytes } from "node:crypto";
import type { WebhookSecrets } from "../../domain/manufacturing/webhook-ports.js";

/** Standard Webhooks' secret form: "whsec_" + base64 of 32 random bytes (a full HMAC-SHA256 key). */
export class RandomWebhookSecrets implements WebhookSecrets {
  newSecret(): string {
    return `whsec_${randomBytes(32).toString("base64")}`;
  }
}
