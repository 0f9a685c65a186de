import { OffersProviderFailure } from "../../domain/offers/ports.js";

// The one access token of the Offers service, shared by every call of every instance. The service issues one
// live token per refresh token and answers 400 to /auth while it lives, so an instance must never ask for its
// own: the token lives in the database (AccessTokenStore), each instance keeps a copy in memory, and a
// renewal happens only when the token has expired or a call was refused with 401, by the one instance that
// took the renewal lease; the others wait for its result.

/**
 * /auth answered 400: the service still holds a live token for the refresh token. Thrown by the provider so
 * that a renewal started because the token looked expired (a clock running ahead of the service's) keeps the
 * token it has instead of failing.
 */
export class TokenStillLive extends OffersProviderFailure {
  constructor(message: string) {
    super(message, true);
  }
}

export interface AccessTokenStore {
  read(): Promise<{ token: string | undefined; expiresAt: Date | undefined }>;
  claimRenewal(seen: string | undefined, leaseMs: number): Promise<boolean>;
  store(token: string, expiresAt: Date): Promise<void>;
  /** Moves the stored token's expiry (it is still `token`) and releases the lease; not a renewal. */
  extend(token: string, expiresAt: Date): Promise<void>;
  releaseRenewal(): Promise<void>;
}

export interface IssuedToken {
  readonly token: string;
  readonly expiresAt: Date;
}

export interface SharedAccessTokenOptions {
  /** Calls /auth; throws OffersProviderFailure when it cannot. */
  readonly authenticate: () => Promise<IssuedToken>;
  /** How long a renewal may hold the lease: longer than one /auth call can take (its timeout). */
  readonly leaseMs: number;
  /** How long a caller waits for another instance's renewal before giving up (retryable). */
  readonly waitMs: number;
  readonly now: () => number;
  readonly sleep: (ms: number) => Promise<void>;
}

/** How much longer a token is kept when the service says it still lives although its `exp` has passed here. */
const SKEW_EXTENSION_MS = 5000;

/**
 * A token counts as expired only this long after its `exp`, so this instance never asks /auth while the
 * service still holds the token live (a 400); a call in that last moment meets 401 and renews then.
 */
const EXPIRY_GRACE_MS = 1000;

export class SharedAccessToken {
  private cached: IssuedToken | undefined;
  private acquiring: Promise<string> | undefined;

  constructor(
    private readonly store: AccessTokenStore,
    private readonly options: SharedAccessTokenOptions,
  ) {}

  /** The token to send now. */
  async current(): Promise<string> {
    if (this.cached && !this.expired(this.cached.expiresAt)) return this.cached.token;
    return this.acquire(undefined);
  }

  /** The token to retry with after `token` was refused with 401. */
  async refused(token: string): Promise<string> {
    if (this.cached?.token === token) this.cached = undefined;
    const next = await this.acquire(token);
    // Joined an acquisition that started before the refusal and found the same token: acquire again.
    return next === token ? this.acquire(token) : next;
  }

  private expired(expiresAt: Date | undefined): boolean {
    return expiresAt === undefined || this.options.now() > expiresAt.getTime() + EXPIRY_GRACE_MS;
  }

  /** One acquisition at a time per instance; concurrent callers share it. */
  private acquire(refused: string | undefined): Promise<string> {
    this.acquiring ??= this.acquireShared(refused).finally(() => {
      this.acquiring = undefined;
    });
    return this.acquiring;
  }

  private async acquireShared(refused: string | undefined): Promise<string> {
    const deadline = this.options.now() + this.options.waitMs;
    for (;;) {
      const stored = await this.store.read();
      if (stored.token && stored.token !== refused && !this.expired(stored.expiresAt)) {
        this.cached = { token: stored.token, expiresAt: stored.expiresAt as Date };
        return stored.token;
      }
      if (await this.store.claimRenewal(stored.token, this.options.leaseMs)) {
        let issued: IssuedToken;
        try {
          issued = await this.options.authenticate();
        } catch (error) {
          if (error instanceof TokenStillLive && stored.token && stored.token !== refused) {
            // Expired by this clock, not by the service's: keep using it a little longer.
            const expiresAt = new Date(this.options.now() + SKEW_EXTENSION_MS);
            await this.store.extend(stored.token, expiresAt);
            this.cached = { token: stored.token, expiresAt };
            return stored.token;
          }
          await this.store.releaseRenewal().catch(() => {});
          throw error;
        }
        await this.store.store(issued.token, issued.expiresAt);
        this.cached = issued;
        return issued.token;
      }
      if (this.options.now() > deadline)
        throw new OffersProviderFailure("another instance is renewing the Offers access token", true);
      await this.options.sleep(50);
    }
  }
}
