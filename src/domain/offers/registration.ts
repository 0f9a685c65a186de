/**
 * Where a product is in its registration with the Offers service: PENDING while the first attempts are being
 * retried, REGISTERED once the service accepted it (a 409 "already registered" counts), FAILED when the
 * retries ran out or the service refused it; each refresh pass tries a FAILED product once more.
 */
export const REGISTRATION_STATES = ["PENDING", "REGISTERED", "FAILED"] as const;
export type RegistrationState = (typeof REGISTRATION_STATES)[number];

export interface Registration {
  readonly productId: string;
  readonly state: RegistrationState;
  /** Register calls made so far. */
  readonly attempts: number;
  /** The error of the last failed attempt; undefined once an attempt succeeded. */
  readonly lastError: string | undefined;
  readonly registerTime: Date | undefined;
  readonly lastRefreshTime: Date | undefined;
  readonly lastRefreshError: string | undefined;
  readonly updateTime: Date;
}

/** What the Offers service is told about a product when it is registered. */
export interface ProductToRegister {
  readonly id: string;
  readonly name: string;
  readonly description: string;
}
