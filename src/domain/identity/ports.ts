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
      /** Records the outcome: a failure counts against every key for the rest of the window. */
      finish(failed: boolean): Promise<void>;
    }
  | {
      readonly admitted: false;
      readonly retryAfterSeconds: number;
      /** "failures": the keys failed too often this window; "busy": too many attempts are being checked at once. */
      readonly reason: "failures" | "busy";
    };

/**
 * Slows password guessing per key (an account, an address): an attempt is admitted only while the failures so
 * far plus the attempts being checked at that moment stay within the limit, decided atomically, so parallel
 * guesses cannot slip past it. Refused attempts check no password and so count for nothing.
 */
export interface LoginThrottle {
  admit(keys: readonly string[]): Promise<LoginAdmission>;
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
  readonly accessTokens: AccessTokenIssuer;
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
}
