import { randomUUID } from "node:crypto";
import {
  type CryptoKey,
  errors,
  exportJWK,
  generateKeyPair,
  importJWK,
  type JWK,
  jwtVerify,
  type KeyObject,
  SignJWT,
} from "jose";
import type {
  AccessToken,
  AccessTokenIssuer,
  AccessTokenVerifier,
  SigningKey,
  SigningKeyInfo,
  SigningKeyRotation,
  SigningKeyStore,
} from "../../domain/identity/ports.js";
import type { Principal } from "../../domain/identity/principal.js";
import { ROLES, type Role } from "../../domain/identity/role.js";
import { Unauthenticated } from "../../domain/shared/errors.js";
import type { StopHandle } from "../../domain/shared/stop-handle.js";

/** The one algorithm accepted: pinned, so a token cannot choose how it is checked ("alg" confusion). */
const ALGORITHM = "EdDSA";
/** Verified tokens remembered at most (about 4 MB): enough for every client of a busy instance. */
const VERIFIED_CACHE_SIZE = 10_000;
/** An unknown kid reloads the keys at most this often, so forged kids cannot hammer the database. */
const UNKNOWN_KID_RELOAD_MS = 1000;

export interface AccessTokenSettings {
  readonly issuer: string;
  readonly audience: string;
  readonly ttlSeconds: number;
}

type Key = CryptoKey | KeyObject | Uint8Array;

interface Verified {
  readonly principal: Principal;
  readonly kid: string;
  /** Expiry in epoch milliseconds. */
  readonly expiresAt: number;
}

/**
 * Signs and verifies access tokens (JWT, EdDSA/Ed25519) with keys shared through a SigningKeyStore.
 *
 * Verification is cheap on the hot path: each key is imported once per reload (a cached CryptoKey, which is
 * what jose verifies with; a node:crypto KeyObject measured no faster here, about 130-180 µs of CPU per
 * signature either way), and a token already verified is remembered until it expires, so a client's
 * repeated calls cost a map lookup. A remembered token is honoured only while its key is still loaded, so
 * retiring a key drops every token it signed at the next reload.
 *
 * Keys are reloaded every `reloadMs` (the bound on how long another instance's retirement takes to reach this
 * one), at once when a NOTIFY says they changed, and for an unknown kid (at most once a second). One reload
 * is in flight at a time: concurrent callers share it.
 */
export class JoseAccessTokens implements AccessTokenIssuer, AccessTokenVerifier, SigningKeyRotation {
  private signing!: { kid: string; key: Key };
  private verifying = new Map<string, Key>();
  private publicJwks: JWK[] = [];
  private active: SigningKeyInfo[] = [];
  private lastReload = 0;
  private reloading: Promise<void> | undefined;
  private readonly verified = new Map<string, Verified>();

  private constructor(
    private readonly store: SigningKeyStore,
    private readonly settings: AccessTokenSettings,
  ) {}

  static async create(store: SigningKeyStore, settings: AccessTokenSettings): Promise<JoseAccessTokens> {
    const tokens = new JoseAccessTokens(store, settings);
    let keys = await store.listActive();
    if (keys.length === 0) keys = await store.ensureOne(await newSigningKey());
    await tokens.load(keys);
    return tokens;
  }

  /** Reloads the keys every `periodMs` (and whenever `changes` signals) until stopped. */
  keepReloading(periodMs: number, onError: (error: unknown) => void): StopHandle {
    const timer = setInterval(() => this.reload().catch(onError), periodMs);
    timer.unref();
    return {
      stop: async () => {
        clearInterval(timer);
        await this.reloading?.catch(() => {});
      },
    };
  }

  /** Re-reads the keys; a reload already in flight is shared rather than repeated. */
  reload(): Promise<void> {
    this.reloading ??= (async () => {
      try {
        await this.load(await this.store.listActive());
      } finally {
        this.reloading = undefined;
      }
    })();
    return this.reloading;
  }

  /** The public halves, as published at /.well-known/jwks.json. */
  jwks(): { keys: JWK[] } {
    return { keys: this.publicJwks };
  }

  async rotate(): Promise<{ key: SigningKeyInfo; active: readonly SigningKeyInfo[] }> {
    const key = await newSigningKey();
    await this.store.insert(key);
    await this.reload();
    return { key: { kid: key.kid, createTime: key.createTime }, active: this.active };
  }

  async retire(kid: string): Promise<"retired" | "newest" | "not_found"> {
    const outcome = await this.store.retire(kid, new Date());
    if (outcome === "retired") await this.reload();
    return outcome;
  }

  async issue(principal: Principal): Promise<AccessToken> {
    // Partner scope travels in the token so every call is authorized without a lookup.
    const claims: Record<string, unknown> = { role: principal.role };
    if (principal.officeCode) claims.office_code = principal.officeCode;
    if (principal.brands && principal.brands.length > 0) claims.brands = principal.brands;
    const token = await new SignJWT(claims)
      .setProtectedHeader({ alg: ALGORITHM, kid: this.signing.kid, typ: "at+jwt" })
      .setSubject(principal.userId)
      .setIssuer(this.settings.issuer)
      .setAudience(this.settings.audience)
      .setIssuedAt()
      .setJti(randomUUID())
      .setExpirationTime(`${this.settings.ttlSeconds}s`)
      .sign(this.signing.key);
    return { token, expiresInSeconds: this.settings.ttlSeconds };
  }

  async verify(token: string): Promise<Principal> {
    if (token.length === 0 || token.length > 4096) throw new Unauthenticated("access token is malformed");
    const known = this.verified.get(token);
    if (known) {
      if (known.expiresAt > Date.now() && this.verifying.has(known.kid)) return known.principal;
      this.verified.delete(token);
    }
    try {
      let kid = "";
      const { payload } = await jwtVerify(
        token,
        (header) => {
          kid = header.kid ?? "";
          return this.keyFor(header.kid);
        },
        {
          algorithms: [ALGORITHM],
          issuer: this.settings.issuer,
          audience: this.settings.audience,
          typ: "at+jwt",
          requiredClaims: ["sub", "exp", "iat"],
        },
      );
      const role = payload.role;
      if (typeof payload.sub !== "string" || !ROLES.includes(role as Role)) {
        throw new Unauthenticated("access token is invalid");
      }
      const officeCode = payload.office_code;
      const brands = payload.brands;
      if (officeCode !== undefined && typeof officeCode !== "string") {
        throw new Unauthenticated("access token is invalid");
      }
      if (brands !== undefined && !(Array.isArray(brands) && brands.every((b) => typeof b === "string"))) {
        throw new Unauthenticated("access token is invalid");
      }
      const expiresAt = (payload.exp ?? 0) * 1000;
      const principal: Principal = {
        userId: payload.sub,
        role: role as Role,
        ...(officeCode ? { officeCode } : {}),
        ...(brands && brands.length > 0 ? { brands: brands as string[] } : {}),
        expiresAt: new Date(expiresAt),
      };
      this.remember(token, { principal, kid, expiresAt });
      return principal;
    } catch (error) {
      if (error instanceof Unauthenticated) throw error;
      if (error instanceof errors.JWTExpired) throw new Unauthenticated("access token has expired");
      if (error instanceof errors.JOSEError) throw new Unauthenticated("access token is invalid");
      // Not the token's fault (the key store could not be read): never make a client drop a valid token.
      throw error;
    }
  }

  private remember(token: string, verified: Verified): void {
    if (this.verified.size >= VERIFIED_CACHE_SIZE) {
      // Oldest first (a Map keeps insertion order): drop a tenth at once rather than one per insert.
      let drop = VERIFIED_CACHE_SIZE / 10;
      for (const key of this.verified.keys()) {
        this.verified.delete(key);
        if (--drop === 0) break;
      }
    }
    this.verified.set(token, verified);
  }

  private async keyFor(kid: string | undefined): Promise<Key> {
    if (!kid) throw new Unauthenticated("access token has no key id");
    const known = this.verifying.get(kid);
    if (known) return known;
    // A key minted by another instance after this one loaded: reload (shared with any reload in flight),
    // at most once a second.
    if (this.reloading || Date.now() - this.lastReload > UNKNOWN_KID_RELOAD_MS) {
      await this.reload();
      const reloaded = this.verifying.get(kid);
      if (reloaded) return reloaded;
    }
    throw new Unauthenticated("access token is signed by an unknown key");
  }

  private async load(keys: SigningKey[]): Promise<void> {
    const newest = keys[0];
    if (!newest) throw new Error("no signing key available");
    this.lastReload = Date.now();
    const verifying = new Map<string, Key>();
    for (const k of keys) {
      // Keys already imported are kept: a reload costs an import only for a key that is new.
      verifying.set(k.kid, this.verifying.get(k.kid) ?? (await importJWK(k.publicJwk as JWK, ALGORITHM)));
    }
    if (this.signing?.kid !== newest.kid) {
      this.signing = { kid: newest.kid, key: await importJWK(newest.privateJwk as JWK, ALGORITHM) };
    }
    this.verifying = verifying;
    this.active = keys.map((k) => ({ kid: k.kid, createTime: k.createTime }));
    this.publicJwks = keys.map((k) => ({ ...(k.publicJwk as JWK), kid: k.kid, alg: ALGORITHM, use: "sig" }));
  }
}

async function newSigningKey(): Promise<SigningKey> {
  const { privateKey, publicKey } = await generateKeyPair(ALGORITHM, { crv: "Ed25519", extractable: true });
  return {
    kid: randomUUID(),
    algorithm: ALGORITHM,
    privateJwk: { ...(await exportJWK(privateKey)) },
    publicJwk: { ...(await exportJWK(publicKey)) },
    createTime: new Date(),
  };
}
