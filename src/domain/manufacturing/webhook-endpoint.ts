// A regional office's webhook endpoint and the rules about its secrets. Secrets are kept as issued (not
// hashed) because every delivery must be signed with them; only the office ever sees one, once.

/** How long a rotated-out secret keeps signing beside the new one, so receivers can switch without a gap. */
export const SECRET_OVERLAP_MS = 24 * 3_600_000;

export interface WebhookEndpoint {
  readonly id: string;
  readonly officeCode: string;
  readonly url: string;
  /** The current signing secret, "whsec_<base64>". */
  readonly secret: string;
  /** The secret before the last rotation, signing beside `secret` until `previousSecretExpireTime`. */
  readonly previousSecret?: string | undefined;
  readonly previousSecretExpireTime?: Date | undefined;
  readonly createTime: Date;
  readonly disabled: boolean;
  /** Empty while enabled. */
  readonly disabledReason: string;
  /** Start of the current run of failed attempts; undefined after a success (or before any attempt). */
  readonly failingSince?: Date | undefined;
}

/** The secrets a message sent at `now` is signed with: the current one, and the previous one while it overlaps. */
export function signingSecrets(endpoint: WebhookEndpoint, now: Date): string[] {
  const { previousSecret, previousSecretExpireTime } = endpoint;
  if (previousSecret && previousSecretExpireTime && previousSecretExpireTime.getTime() > now.getTime()) {
    return [endpoint.secret, previousSecret];
  }
  return [endpoint.secret];
}

/** The endpoint after a rotation at `now` to `newSecret`. */
export function rotateSecret(endpoint: WebhookEndpoint, newSecret: string, now: Date): WebhookEndpoint {
  return {
    ...endpoint,
    secret: newSecret,
    previousSecret: endpoint.secret,
    previousSecretExpireTime: new Date(now.getTime() + SECRET_OVERLAP_MS),
  };
}

/** What a caller may see of an endpoint: everything but its secrets. */
export type WebhookView = Omit<WebhookEndpoint, "secret" | "previousSecret" | "failingSince">;

export function viewOf(endpoint: WebhookEndpoint, now: Date): WebhookView {
  const { secret: _s, previousSecret: _p, failingSince: _f, ...view } = endpoint;
  const overlapping =
    endpoint.previousSecretExpireTime && endpoint.previousSecretExpireTime.getTime() > now.getTime();
  return { ...view, previousSecretExpireTime: overlapping ? endpoint.previousSecretExpireTime : undefined };
}
