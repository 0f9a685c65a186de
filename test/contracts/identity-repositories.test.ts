import { uuidv7 } from "uuidv7";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { migrate } from "../../src/adapters/postgres/migrator.js";
import { PostgresEventOutbox } from "../../src/adapters/postgres/postgres-event-outbox.js";
import { PostgresLoginThrottle } from "../../src/adapters/postgres/postgres-login-throttle.js";
import { PostgresRefreshTokenStore } from "../../src/adapters/postgres/postgres-refresh-token-store.js";
import { PostgresSigningKeyStore } from "../../src/adapters/postgres/postgres-signing-key-store.js";
import { PostgresUnitOfWork } from "../../src/adapters/postgres/postgres-unit-of-work.js";
import { PostgresUserRepository } from "../../src/adapters/postgres/postgres-user-repository.js";
import type { IdentityTx } from "../../src/domain/identity/ports.js";
import type { User } from "../../src/domain/identity/user.js";
import { AlreadyExists } from "../../src/domain/shared/errors.js";
import { createTestDatabase, DATABASE_KINDS, type TestDatabase } from "../support/databases.js";
import { eventually } from "../support/eventually.js";
import { uniqueName } from "../support/test-app.js";

const newUser = (overrides: Partial<User> = {}): User => {
  const name = uniqueName("u_");
  return {
    id: uuidv7(),
    email: `${name}@example.com`,
    username: name,
    role: "CUSTOMER",
    passwordHash: "$argon2id$fake",
    createTime: new Date(),
    brands: [],
    ...overrides,
  };
};

describe.each(DATABASE_KINDS)("identity adapters on %s", (kind) => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase(kind);
  });
  afterAll(async () => {
    await db?.drop();
  });

  it("applies migrations once: a second run applies nothing", async () => {
    expect((await migrate(db.sql)).applied).toEqual([]);
  });

  describe("UserRepository", () => {
    it("finds a user by id, by username and by email, case-insensitively", async () => {
      const users = new PostgresUserRepository(db.sql);
      const user = newUser({ email: `Mixed.${uniqueName("c")}@Example.com` });
      await users.insert(user);
      expect(await users.findById(user.id)).toEqual(user);
      expect((await users.findByLogin(user.username.toUpperCase()))?.id).toBe(user.id);
      expect((await users.findByLogin(user.email.toLowerCase()))?.id).toBe(user.id);
      expect(await users.findById("not-a-uuid")).toBeUndefined();
      expect(await users.findById(uuidv7())).toBeUndefined();
    });

    it("refuses a duplicate email or username with AlreadyExists naming the field", async () => {
      const users = new PostgresUserRepository(db.sql);
      const user = newUser();
      await users.insert(user);
      const email = await users.insert(newUser({ email: user.email.toUpperCase() })).catch((e) => e);
      expect(email).toBeInstanceOf(AlreadyExists);
      expect(email.message).toMatch(/^email/);
      const name = await users.insert(newUser({ username: user.username.toUpperCase() })).catch((e) => e);
      expect(name).toBeInstanceOf(AlreadyExists);
      expect(name.message).toMatch(/^username/);
    });

    it("tells whether a role has any user", async () => {
      const users = new PostgresUserRepository(db.sql);
      await users.insert(newUser({ role: "MANUFACTURER" }));
      expect(await users.existsWithRole("MANUFACTURER")).toBe(true);
    });
  });

  describe("RefreshTokenStore", () => {
    it("stores, rotates and revokes a family without touching other families", async () => {
      const users = new PostgresUserRepository(db.sql);
      const tokens = new PostgresRefreshTokenStore(db.sql);
      const user = newUser();
      await users.insert(user);
      const family = uuidv7();
      const other = uuidv7();
      const base = { userId: user.id, issuedAt: new Date(), expiresAt: new Date(Date.now() + 60_000) };
      const a = { ...base, id: uuidv7(), familyId: family, tokenHash: uniqueName("h") };
      const b = { ...base, id: uuidv7(), familyId: other, tokenHash: uniqueName("h") };
      await tokens.insert(a);
      await tokens.insert(b);
      expect(await tokens.findByHashForUpdate(a.tokenHash)).toMatchObject({ id: a.id, familyId: family });
      const at = new Date();
      await tokens.markRotated(a.id, at);
      await tokens.revokeFamily(family, at);
      expect((await tokens.findByHashForUpdate(a.tokenHash))?.rotatedAt).toBeInstanceOf(Date);
      expect((await tokens.findByHashForUpdate(a.tokenHash))?.revokedAt).toBeInstanceOf(Date);
      expect((await tokens.findByHashForUpdate(b.tokenHash))?.revokedAt).toBeUndefined();
      expect(await tokens.findByHashForUpdate("unknown")).toBeUndefined();
    });
  });

  describe("UnitOfWork", () => {
    const uow = () =>
      new PostgresUnitOfWork<IdentityTx>(db.sql, (tx, events) => ({
        users: new PostgresUserRepository(tx),
        refreshTokens: new PostgresRefreshTokenStore(tx),
        outbox: new PostgresEventOutbox(tx, events.appended),
      }));
    const event = (userId: string) => ({
      id: uuidv7(),
      type: "identity.user_registered" as const,
      aggregateId: userId,
      occurredAt: new Date(),
      payload: {
        userId,
        email: "e@example.com",
        username: "e",
        role: "CUSTOMER" as const,
        createTime: new Date(),
      },
    });

    it("commits a change and its event together", async () => {
      const user = newUser();
      await uow().run(async (tx) => {
        await tx.users.insert(user);
        await tx.outbox.append(event(user.id));
      });
      const rows = await db.sql`select type, payload_type from outbox where aggregate_id = ${user.id}`;
      expect(rows).toEqual([
        { type: "identity.user_registered", payload_type: "shopfloor.events.v1.UserRegistered" },
      ]);
    });

    it("rolls back both the change and its event when the work fails", async () => {
      const user = newUser();
      await expect(
        uow().run(async (tx) => {
          await tx.users.insert(user);
          await tx.outbox.append(event(user.id));
          throw new Error("boom");
        }),
      ).rejects.toThrow("boom");
      expect(await new PostgresUserRepository(db.sql).findById(user.id)).toBeUndefined();
      expect(await db.sql`select 1 from outbox where aggregate_id = ${user.id}`).toHaveLength(0);
    });
  });

  describe("SigningKeyStore", () => {
    it("keeps one active key however many instances race to create it", async () => {
      const store = new PostgresSigningKeyStore(db.sql);
      const candidate = (kid: string) => ({
        kid,
        algorithm: "EdDSA",
        privateJwk: { kty: "OKP", kid },
        publicJwk: { kty: "OKP", kid },
        createTime: new Date(),
      });
      const results = await Promise.all(
        ["k1", "k2", "k3"].map((kid) => store.ensureOne(candidate(`${kid}-${kind}`))),
      );
      const kids = new Set(results.map((keys) => keys[0]?.kid));
      expect(kids.size).toBe(1);
      expect(await store.listActive()).toHaveLength(1);
    });
  });

  describe("LoginThrottle", () => {
    const limits = {
      perAccount: 1000,
      perAccountAndAddress: 1000,
      perAddress: 1000,
      windowSeconds: 600,
      maxDelaySeconds: 60,
    };
    const throttle = (overrides: Partial<typeof limits> = {}) =>
      new PostgresLoginThrottle(db.sql, { ...limits, ...overrides });
    type Throttle = ReturnType<typeof throttle>;

    const fail = async (t: Throttle, account: string, addressGroup?: string) => {
      const admission = await t.admit({ account, addressGroup });
      if (admission.admitted) await admission.finish(true);
      return admission;
    };

    it("refuses a network that failed its limit on an account for the window, and only there", async () => {
      const t = throttle({ perAccountAndAddress: 2 });
      const account = `user:${uniqueName("a")}`;
      const network = `v4:${uniqueName("net")}`;
      expect((await fail(t, account, network)).admitted).toBe(true);
      expect((await fail(t, account, network)).admitted).toBe(true);
      const refused = await t.admit({ account, addressGroup: network });
      expect(refused).toMatchObject({ admitted: false, reason: "failures" });
      if (refused.admitted) throw new Error("admitted");
      expect(refused.retryAfterSeconds).toBeGreaterThan(0);
      expect(refused.retryAfterSeconds).toBeLessThanOrEqual(600);
      // The same account from elsewhere, and another account from this network, are not refused.
      expect((await t.admit({ account, addressGroup: `v4:${uniqueName("other")}` })).admitted).toBe(true);
      expect((await t.admit({ account: `user:${uniqueName("b")}`, addressGroup: network })).admitted).toBe(
        true,
      );
    });

    it("refuses a network that failed its limit over all accounts", async () => {
      const t = throttle({ perAddress: 2 });
      const network = `v6:${uniqueName("n")}::/64`;
      await fail(t, `login:${uniqueName("x")}`, network);
      await fail(t, `login:${uniqueName("y")}`, network);
      expect(await t.admit({ account: `login:${uniqueName("z")}`, addressGroup: network })).toMatchObject({
        admitted: false,
        reason: "failures",
      });
    });

    it("admits no more attempts at once than the failures still allowed", async () => {
      const t = throttle({ perAccountAndAddress: 2 });
      const account = `user:${uniqueName("r")}`;
      const network = `v4:${uniqueName("r")}`;
      const admissions = await Promise.all(
        Array.from({ length: 12 }, () => t.admit({ account, addressGroup: network })),
      );
      const admitted = admissions.filter((a) => a.admitted);
      expect(admitted).toHaveLength(2);
      expect(admissions.filter((a) => !a.admitted && a.reason === "busy")).toHaveLength(10);
      // All of them fail: the pair is then over its limit, and nothing more is admitted this window.
      for (const a of admitted) if (a.admitted) await a.finish(true);
      expect(await t.admit({ account, addressGroup: network })).toMatchObject({
        admitted: false,
        reason: "failures",
      });
    });

    it("slows an account that failed too often instead of locking it: one attempt per growing delay", async () => {
      const t = throttle({ perAccount: 2 });
      const account = `user:${uniqueName("slow")}`;
      const somewhere = () => `v4:${uniqueName("net")}`;
      await fail(t, account, somewhere());
      await fail(t, account, somewhere());
      // Past the soft limit: parallel attempts from many networks share one slot, the rest wait for it.
      const burst = await Promise.all(
        Array.from({ length: 10 }, () => t.admit({ account, addressGroup: somewhere() })),
      );
      const admitted = burst.filter((a) => a.admitted);
      expect(admitted).toHaveLength(1);
      for (const a of burst) {
        if (a.admitted) await a.finish(true);
        else {
          expect(a.reason).toBe("delayed");
          expect(a.retryAfterSeconds).toBeGreaterThanOrEqual(1);
          expect(a.retryAfterSeconds).toBeLessThanOrEqual(2);
        }
      }
      // Not a lockout: once the slot is due, an attempt (the owner's, say) is admitted again.
      const later = await eventually(
        async () => {
          const a = await t.admit({ account, addressGroup: somewhere() });
          if (!a.admitted) throw new Error(`still delayed ${a.retryAfterSeconds} s`);
          return a;
        },
        { timeoutMs: 10_000, intervalMs: 100 },
      );
      await later.finish(false);
      // Each failure pushes the next slot further out (here 2 s after the 3rd failure, then 4 s).
      const next = await t.admit({ account, addressGroup: somewhere() });
      expect(next).toMatchObject({ admitted: false, reason: "delayed" });
    });

    it("keeps a network refused by its own limit from using up the account's slots", async () => {
      const t = throttle({ perAccount: 1, perAccountAndAddress: 1 });
      const account = `user:${uniqueName("hog")}`;
      const attacker = `v4:${uniqueName("att")}`;
      await fail(t, account, attacker);
      for (let i = 0; i < 5; i++)
        expect(await t.admit({ account, addressGroup: attacker })).toMatchObject({ reason: "failures" });
      // The account is past its soft limit, but its next slot is still free for anyone else.
      expect((await t.admit({ account, addressGroup: `v4:${uniqueName("owner")}` })).admitted).toBe(true);
    });

    it("never deadlocks on shared keys and leaves nothing pending", async () => {
      const t = throttle();
      const network = `v4:${uniqueName("ip")}`;
      const accounts = [`login:${uniqueName("n")}`, `user:${uniqueName("m")}`];
      const attempts = Array.from({ length: 40 }, async (_, i) => {
        const admission = await t.admit({ account: accounts[i % 2] ?? "", addressGroup: network });
        if (admission.admitted) await admission.finish(i % 3 === 0);
      });
      await Promise.all(attempts);
      const rows = await db.sql<{ pending: number }[]>`
        select pending from login_failures
        where key like ${`%${network}`} or key in ${db.sql(accounts.map((a) => `account:${a}`))}`;
      expect(rows.map((r) => r.pending)).toEqual([0, 0, 0, 0, 0]);
    });

    it("counts neither successful nor refused attempts as failures", async () => {
      const t = throttle({ perAccountAndAddress: 2 });
      const account = `user:${uniqueName("f")}`;
      const network = `v4:${uniqueName("f")}`;
      for (let i = 0; i < 5; i++) {
        const admission = await t.admit({ account, addressGroup: network });
        if (!admission.admitted) throw new Error("refused");
        await admission.finish(false);
      }
      const held = await Promise.all([
        t.admit({ account, addressGroup: network }),
        t.admit({ account, addressGroup: network }),
      ]);
      const refusedWhileBusy = await t.admit({ account, addressGroup: network });
      expect(refusedWhileBusy).toMatchObject({ admitted: false, reason: "busy" });
      for (const a of held) if (a.admitted) await a.finish(false);
      expect((await t.admit({ account, addressGroup: network })).admitted).toBe(true);
    });
  });
});
