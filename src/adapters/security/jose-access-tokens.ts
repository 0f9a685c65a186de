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
  SigningKeyStore,
} from "../../domain/identity/ports.js";
import type { Principal } from "../../domain/identity/principal.js";
import { ROLES, type Role } from "../../domain/identity/role.js";
import { Unauthenticated } from "../../domain/shared/errors.js";

/** The one algorithm accepted: pinned, so a token cannot choose how it is checked ("alg" confusion). */
const ALGORITHM = "EdDSA";

export interface AccessTokenSettings {
  readonly issuer: string;
  readonly audience: string;
  readonly ttlSeconds: number;
}

type Key = CryptoKey | KeyObject | Uint8Array;

/** Signs and verifies access tokens (JWT, EdDSA/Ed25519) with keys shared through a SigningKeyStore. */
export class JoseAccessTokens implements AccessTokenIssuer, AccessTokenVerifier {
  private signing!: { kid: string; key: Key };
  private verifying = new Map<string, Key>();
  private publicJwks: JWK[] = [];
  private lastReload = 0;

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

  /** The public halves, as published at /.well-known/jwks.json. */
  jwks(): { keys: JWK[] } {
    return { keys: this.publicJwks };
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
    try {
      const { payload } = await jwtVerify(token, (header) => this.keyFor(header.kid), {
        algorithms: [ALGORITHM],
        issuer: this.settings.issuer,
        audience: this.settings.audience,
        typ: "at+jwt",
        requiredClaims: ["sub", "exp", "iat"],
      });
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
      return {
        userId: payload.sub,
        role: role as Role,
        ...(officeCode ? { officeCode } : {}),
        ...(brands && brands.length > 0 ? { brands: brands as string[] } : {}),
      };
    } catch (error) {
      if (error instanceof Unauthenticated) throw error;
      if (error instanceof errors.JWTExpired) throw new Unauthenticated("access token has expired");
      if (error instanceof errors.JOSEError) throw new Unauthenticated("access token is invalid");
      // Not the token's fault (the key store could not be read): never make a client drop a valid token.
      throw error;
    }
  }

  private async keyFor(kid: string | undefined): Promise<Key> {
    if (!kid) throw new Unauthenticated("access token has no key id");
    const known = this.verifying.get(kid);
    if (known) return known;
    // A key minted by another instance after this one loaded: reload, at most once a second.
    if (Date.now() - this.lastReload > 1000) {
      await this.load(await this.store.listActive());
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
    for (const k of keys) verifying.set(k.kid, await importJWK(k.publicJwk as JWK, ALGORITHM));
    this.signing = { kid: newest.kid, key: await importJWK(newest.privateJwk as JWK, ALGORITHM) };
    this.verifying = verifying;
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
