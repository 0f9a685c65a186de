import type { Clock } from "../shared/clock.js";
import type { EventOutbox } from "../shared/domain-event.js";
import type { IdGenerator } from "../shared/id-generator.js";
import type { UnitOfWork } from "../shared/unit-of-work.js";
import type { PartnerClient } from "./partner-client.js";
import type { BrandDirectory } from "./partner-scope.js";
import type { Principal } from "./principal.js";
import type { Role } from "./role.js";
import type { User } from "./user.js";

export interface UserRepository {
  /** Throws AlreadyExists naming the field when the email or username is taken (case-insensitively). */
  insert(user: User): Promise<void>;
  findById(id: string): Promise<User | undefined>;
  /** By username or email, case-insensitively. */
  findByLogin(login: string): Promise<User | undefined>;
  existsWithRole(role: Role): Promise<boolean>;
  /** Whether an account has this email, and whether one has this username (each case-insensitively). */
  findTaken(email: string, username: string): Promise<{ email: boolean; username: boolean }>;
}

export interface PartnerClientRepository {
  insert(client: PartnerClient): Promise<void>;
  findById(id: string): Promise<PartnerClient | undefined>;
  /** Oldest first. */
  list(): Promise<PartnerClient[]>;
  /** Stores a new secret hash; undefined when no such client. */
  replaceSecret(id: string, secretHash: string, at: Date): Promise<PartnerClient | undefined>;
  /** Marks it disabled; undefined when no such client. */
  disable(id: string): Promise<PartnerClient | undefined>;
}

export interface RefreshTokenRecord {
  readonly id: string;
  /** All tokens descended from one login share a family; reuse of a rotated one revokes it. */
  readonly familyId: string;
  readonly userId: string;
  readonly tokenHash: string;
  readonly issuedAt: Date;
  readonly expiresAt: Date;
  /** Set when the token was exchanged for a new one. */
  readonly rotatedAt?: Date | undefined;
  /** Set when its family was revoked (logout or reuse). */
  readonly revokedAt?: Date | undefined;
}

export interface RefreshTokenStore {
  insert(record: RefreshTokenRecord): Promise<void>;
  /** Finds by hash and locks the row until the transaction ends, so one token rotates once. */
  findByHashForUpdate(tokenHash: string): Promise<RefreshTokenRecord | undefined>;
  markRotated(id: string, at: Date): Promise<void>;
  revokeFamily(familyId: string, at: Date): Promise<void>;
}

export interface PasswordHasher {
  hash(password: string): Promise<string>;
  verify(hash: string, password: string): Promise<boolean>;
  /**
   * A hash of a random secret made with the same parameters, verified against when the login names nobody,
   * so an unknown user and a wrong password cost the same time.
   */
  readonly placeholderHash: string;
  /**
   * Waits about as long as `hash` takes, without the work: an answer that skipped hashing (a sign-up with a
   * taken email) then takes the time one that hashed does.
   */
  imitateHash(): Promise<void>;
}

export interface AccessToken {
  readonly token: string;
  readonly expiresInSeconds: number;
}

export interface AccessTokenIssuer {
  issue(principal: Principal): Promise<AccessToken>;
}

export interface AccessTokenVerifier {
  /** Throws Unauthenticated for a missing, malformed, tampered, expired or foreign token. */
  verify(token: string): Promise<Principal>;
}

/** Opaque refresh tokens: 256 random bits, stored only as a hash. */
export interface OpaqueTokens {
  generate(): string;
  hash(token: string): string;
}

/** Whether a login attempt may check its password now. */
export type LoginAdmission =
  | {
      readonly admitted: true;
      /** Records the outcome: a failure counts against the account and the address for the rest of the window. */
      finish(failed: boolean): Promise<void>;
    }
  | {
      readonly admitted: false;
      readonly retryAfterSeconds: number;
      /**
       * "failures": this client network failed too often (on this account, or on all) for this window;
       * "delayed": the account failed often, so its attempts are spaced out and the next is not due yet;
       * "busy": too many attempts on it are being checked at this moment.
       */
      readonly reason: "failures" | "delayed" | "busy";
    };

/** What a login attempt is counted against. */
export interface LoginSubject {
  /** The account guessed at: "user:<id>", or "login:<name>" for a login that names nobody. */
  readonly account: string;
  /** The caller's network (client-address.ts), when the transport knows it. */
  readonly addressGroup?: string | undefined;
}

/**
 * Slows password guessing without handing anyone a lockout. A client network is refused for the window after
 * too many failures on one account, or on all accounts; an account that failed too often from anywhere is not
 * locked but slowed, one attempt per growing delay, so its owner still gets in. Admission is decided
 * atomically (attempts being checked count too), so parallel guesses cannot slip past any limit. Refused
 * attempts check no password and so count for nothing.
 */
export interface LoginThrottle {
  admit(subject: LoginSubject): Promise<LoginAdmission>;
}

/** Whether a sign-up may go ahead now: counted per client network and in total, shared by every instance. */
export interface SignUpThrottle {
  admit(
    addressGroup: string | undefined,
  ): Promise<{ readonly admitted: true } | { readonly admitted: false; readonly retryAfterSeconds: number }>;
}

export interface IdentityTx {
  readonly users: UserRepository;
  readonly refreshTokens: RefreshTokenStore;
  readonly outbox: EventOutbox;
}

export interface IdentityDeps {
  readonly uow: UnitOfWork<IdentityTx>;
  readonly users: UserRepository;
  readonly passwords: PasswordHasher;
  readonly loginThrottle: LoginThrottle;
  readonly signUpThrottle: SignUpThrottle;
  readonly accessTokens: AccessTokenIssuer;
  readonly signingKeys: SigningKeyRotation;
  readonly refreshTokens: OpaqueTokens;
  readonly clock: Clock;
  readonly ids: IdGenerator;
  readonly partnerClients: PartnerClientRepository;
  /** Which brand codes exist, for manufacturer accounts. */
  readonly brands: BrandDirectory;
  /** Refresh token lifetime in seconds (30 days by default). */
  readonly refreshTokenTtlSeconds: number;
}

/** A token-signing key pair as JSON Web Keys, shared by every instance through storage. */
export interface SigningKey {
  readonly kid: string;
  readonly algorithm: string;
  readonly privateJwk: Record<string, unknown>;
  readonly publicJwk: Record<string, unknown>;
  readonly createTime: Date;
}

export interface SigningKeyStore {
  /** Keys not retired, newest first. */
  listActive(): Promise<SigningKey[]>;
  /** Stores `candidate` unless an active key exists (decided under a lock); returns the active keys after. */
  ensureOne(candidate: SigningKey): Promise<SigningKey[]>;
  /** Stores a new key, which becomes the newest (the one tokens are signed with), and tells every instance. */
  insert(key: SigningKey): Promise<void>;
  /**
   * Retires an active key that is not the newest (decided under a lock) and tells every instance; "newest"
   * when it is the one signing, "not_found" when no active key has that id.
   */
  retire(kid: string, at: Date): Promise<"retired" | "newest" | "not_found">;
}

/** A signing key as an admin sees it: its id and times, never its material. */
export interface SigningKeyInfo {
  readonly kid: string;
  readonly createTime: Date;
  readonly retireTime?: Date | undefined;
}

/** Key rotation: every instance signs with the newest key and stops accepting a retired one. */
export interface SigningKeyRotation {
  /** Makes a new signing key; returns it and every key still accepted, newest first. */
  rotate(): Promise<{ readonly key: SigningKeyInfo; readonly active: readonly SigningKeyInfo[] }>;
  /** As SigningKeyStore.retire, and this instance refuses the key's tokens at once. */
  retire(kid: string): Promise<"retired" | "newest" | "not_found">;
}
