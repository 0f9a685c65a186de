import { generateKeyPair, SignJWT } from "jose";
import { describe, expect, it } from "vitest";
import { JoseAccessTokens } from "../../src/adapters/security/jose-access-tokens.js";
import type { SigningKey, SigningKeyStore } from "../../src/domain/identity/ports.js";
import { Unauthenticated } from "../../src/domain/shared/errors.js";

/** Keys in memory; counts how often they are read. */
class CountingKeyStore implements SigningKeyStore {
  keys: SigningKey[] = [];
  reads = 0;
  async listActive() {
    this.reads += 1;
    // A database round trip takes a while: long enough for concurrent callers to pile up.
    await new Promise((r) => setTimeout(r, 20));
    return [...this.keys].filter((k) => !retired.has(k.kid)).reverse();
  }
  async ensureOne(candidate: SigningKey) {
    if (this.keys.length === 0) this.keys.push(candidate);
    return this.listActive();
  }
  async insert(key: SigningKey) {
    this.keys.push(key);
  }
  async retire(kid: string) {
    const active = (await this.listActive()).map((k) => k.kid);
    if (!active.includes(kid)) return "not_found" as const;
    if (active[0] === kid) return "newest" as const;
    retired.add(kid);
    return "retired" as const;
  }
}
const retired = new Set<string>();

const settings = { issuer: "shopfloor", audience: "shopfloor-api", ttlSeconds: 900 };

async function foreignToken(kid: string): Promise<string> {
  const { privateKey } = await generateKeyPair("EdDSA", { crv: "Ed25519" });
  return new SignJWT({ role: "CUSTOMER" })
    .setProtectedHeader({ alg: "EdDSA", kid, typ: "at+jwt" })
    .setSubject("someone")
    .setIssuer(settings.issuer)
    .setAudience(settings.audience)
    .setIssuedAt()
    .setExpirationTime("5m")
    .sign(privateKey);
}

describe("JoseAccessTokens", () => {
  it("reloads the keys once for many concurrent tokens with unknown kids", async () => {
    const store = new CountingKeyStore();
    const tokens = await JoseAccessTokens.create(store, settings);
    await new Promise((r) => setTimeout(r, 1100)); // past the once-a-second bound on unknown-kid reloads
    const readsBefore = store.reads;
    const forged = await Promise.all(Array.from({ length: 50 }, (_, i) => foreignToken(`unknown-${i}`)));
    const outcomes = await Promise.allSettled(forged.map((t) => tokens.verify(t)));
    expect(outcomes.every((o) => o.status === "rejected" && o.reason instanceof Unauthenticated)).toBe(true);
    expect(store.reads - readsBefore).toBe(1);
  });

  it("signs with a rotated key at once, and refuses a retired key's tokens, remembered ones too", async () => {
    const store = new CountingKeyStore();
    const tokens = await JoseAccessTokens.create(store, settings);
    const before = await tokens.issue({ userId: "u1", role: "CUSTOMER" });
    expect(await tokens.verify(before.token)).toMatchObject({ userId: "u1", role: "CUSTOMER" });
    const oldKid = JSON.parse(Buffer.from(before.token.split(".")[0] ?? "", "base64url").toString()).kid;

    const { key, active } = await tokens.rotate();
    expect(active.map((k) => k.kid)).toEqual([key.kid, oldKid]);
    const after = await tokens.issue({ userId: "u1", role: "CUSTOMER" });
    expect(JSON.parse(Buffer.from(after.token.split(".")[0] ?? "", "base64url").toString()).kid).toBe(
      key.kid,
    );
    // Both verify until the old key is retired.
    await tokens.verify(before.token);
    expect(await tokens.retire(key.kid)).toBe("newest");
    expect(await tokens.retire("nope")).toBe("not_found");
    expect(await tokens.retire(oldKid)).toBe("retired");
    await expect(tokens.verify(before.token)).rejects.toBeInstanceOf(Unauthenticated);
    expect(await tokens.verify(after.token)).toMatchObject({ userId: "u1", role: "CUSTOMER" });
    expect(tokens.jwks().keys.map((k) => k.kid)).toEqual([key.kid]);
  });

  it("keeps verifying with what it has when the key store cannot be read", async () => {
    const store = new CountingKeyStore();
    const tokens = await JoseAccessTokens.create(store, settings);
    const { token } = await tokens.issue({ userId: "u2", role: "ADMIN" });
    store.listActive = async () => {
      throw new Error("database down");
    };
    await expect(tokens.reload()).rejects.toThrow("database down");
    expect(await tokens.verify(token)).toMatchObject({ userId: "u2", role: "ADMIN" });
  });
});
