import { OffersProviderFailure } from "../../domain/offers/ports.js";

// The one access token of the Offers service, shared by every call of every instance. The service issues one
// live token per refresh token and answers 400 to /auth while it lives, so an instance must never ask for its
// own: the token lives in the database (AccessTokenStore), each instance keeps a copy in memory, and a
// renewal happens only when the token has expired or a call was refused with 401, by the one instance that
// took the renewal lease; the others wait for its result.

export interface AccessTokenStore {
  read(): Promise<{ token: string | undefined; expiresAt: Date | undefined }>;
  claimRenewal(seen: string | undefined, leaseMs: number): Promise<boolean>;
  store(token: string, expiresAt: Date): Promise<void>;
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
    return this.acquire(token);
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
