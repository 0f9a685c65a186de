import { describe, expect, it } from "vitest";
import { bootstrapAdmin } from "../../src/domain/identity/bootstrap-admin.js";
import { createUser } from "../../src/domain/identity/create-user.js";
import { BAD_CREDENTIALS, login } from "../../src/domain/identity/login.js";
import { logout } from "../../src/domain/identity/logout.js";
import { refreshSession } from "../../src/domain/identity/refresh-session.js";
import { register } from "../../src/domain/identity/register.js";
import {
  AlreadyExists,
  InvalidArgument,
  ResourceExhausted,
  Unauthenticated,
} from "../../src/domain/shared/errors.js";
import { identityFakes } from "../support/fakes/identity-fakes.js";

const alice = { email: "alice@example.com", username: "alice", password: "wonderland-1" };

describe("register", () => {
  it("creates a customer and records identity.user_registered with it", async () => {
    const f = identityFakes();
    const user = await register(f.deps, alice);
    expect(user.role).toBe("CUSTOMER");
    expect(f.users.rows.get(user.id)?.passwordHash).toBe("hash:wonderland-1");
    expect(f.events).toEqual([
      expect.objectContaining({ type: "identity.user_registered", aggregateId: user.id }),
    ]);
  });

  it("reports every invalid field at once and stores nothing", async () => {
    const f = identityFakes();
    const error = await register(f.deps, { email: "nope", username: "x", password: "short" }).catch((e) => e);
    expect(error).toBeInstanceOf(InvalidArgument);
    expect((error as InvalidArgument).violations.map((v) => v.field)).toEqual([
      "email",
      "username",
      "password",
    ]);
    expect(f.users.rows.size).toBe(0);
    expect(f.events).toHaveLength(0);
  });

  it("answers a taken email as it answers a new account, storing nothing and hashing nothing", async () => {
    const f = identityFakes();
    const hashed: string[] = [];
    const deps = {
      ...f.deps,
      passwords: {
        ...f.deps.passwords,
        hash: async (p: string) => {
          hashed.push(p);
          return `hash:${p}`;
        },
      },
    };
    const first = await register(deps, alice);
    const again = await register(deps, { ...alice, username: "alice2", email: "ALICE@example.com" });
    expect(again).toMatchObject({ email: "ALICE@example.com", username: "alice2", role: "CUSTOMER" });
    expect(again.id).not.toBe(first.id);
    expect(f.users.rows.size).toBe(1);
    expect(f.events).toHaveLength(1);
    // Uniqueness is checked before hashing; the hash's time is spent waiting instead.
    expect(hashed).toEqual([alice.password]);
    expect(f.imitatedHashes).toHaveLength(1);
  });

  it("refuses a taken username with ALREADY_EXISTS naming it, before hashing", async () => {
    const f = identityFakes();
    await register(f.deps, alice);
    const error = await register(f.deps, { ...alice, email: "other@example.com", username: "ALICE" }).catch(
      (e) => e,
    );
    expect(error).toBeInstanceOf(AlreadyExists);
    expect((error as AlreadyExists).field).toBe("username");
    expect(f.imitatedHashes).toHaveLength(0);
  });

  it("throttles sign-ups per client network, counting an IPv6 /64 as one", async () => {
    const f = identityFakes({ maxSignUps: 2 });
    const account = (n: number) => ({ ...alice, username: `user${n}`, email: `u${n}@example.com` });
    await register(f.deps, { ...account(1), clientAddress: "2001:db8:1:2::1" });
    await register(f.deps, { ...account(2), clientAddress: "2001:db8:1:2:ffff::9" });
    const error = await register(f.deps, { ...account(3), clientAddress: "2001:db8:1:2::77" }).catch(
      (e) => e,
    );
    expect(error).toBeInstanceOf(ResourceExhausted);
    expect((error as ResourceExhausted).retryAfterSeconds).toBe(60);
    await register(f.deps, { ...account(4), clientAddress: "2001:db8:1:3::1" });
    expect(f.users.rows.size).toBe(3);
    expect(f.signUps[0]).toBe("v6:2001:db8:1:2::/64");
  });

  it("checks the fields before counting a sign-up", async () => {
    const f = identityFakes();
    await register(f.deps, { ...alice, password: "x" }).catch(() => {});
    expect(f.signUps).toHaveLength(0);
  });
});

describe("login", () => {
  it("fails an unknown login and a wrong password with the same error, verifying a hash both times", async () => {
    const f = identityFakes();
    await register(f.deps, alice);
    const unknown = await login(f.deps, { login: "bob", password: "whatever-1" }).catch((e) => e);
    const wrong = await login(f.deps, { login: "alice", password: "wrong-password" }).catch((e) => e);
    expect(unknown).toBeInstanceOf(Unauthenticated);
    expect(wrong).toBeInstanceOf(Unauthenticated);
    expect(unknown.message).toBe(BAD_CREDENTIALS);
    expect(wrong.message).toBe(BAD_CREDENTIALS);
    expect(f.verified).toEqual(["hash:placeholder-secret", "hash:wonderland-1"]);
  });

  it("throttles an account by any of its names, even with the right password", async () => {
    const f = identityFakes({ maxFailures: 3 });
    await register(f.deps, alice);
    for (const name of ["alice", "ALICE@example.com", "Alice"])
      await expect(login(f.deps, { login: name, password: "bad-guess" })).rejects.toBeInstanceOf(
        Unauthenticated,
      );
    await expect(
      login(f.deps, { login: "alice@EXAMPLE.com", password: alice.password }),
    ).rejects.toBeInstanceOf(ResourceExhausted);
  });

  it("does not count successful logins", async () => {
    const f = identityFakes({ maxFailures: 2 });
    await register(f.deps, alice);
    for (let i = 0; i < 5; i++) await login(f.deps, { login: "alice", password: alice.password });
  });

  it("throttles an address across accounts", async () => {
    const f = identityFakes({ maxFailures: 2 });
    await login(f.deps, { login: "a", password: "x", clientAddress: "10.0.0.1" }).catch(() => {});
    await login(f.deps, { login: "b", password: "x", clientAddress: "10.0.0.1" }).catch(() => {});
    await expect(
      login(f.deps, { login: "c", password: "x", clientAddress: "10.0.0.1" }),
    ).rejects.toBeInstanceOf(ResourceExhausted);
    await expect(
      login(f.deps, { login: "c", password: "x", clientAddress: "10.0.0.2" }),
    ).rejects.toBeInstanceOf(Unauthenticated);
  });
});

describe("refresh tokens", () => {
  it("rotates: the old token is spent and a new one of the same family is issued", async () => {
    const f = identityFakes();
    await register(f.deps, alice);
    const first = await login(f.deps, { login: "alice", password: alice.password });
    const second = await refreshSession(f.deps, first.refreshToken);
    expect(second.refreshToken).not.toBe(first.refreshToken);
    const families = new Set([...f.tokens.rows.values()].map((r) => r.familyId));
    expect(families.size).toBe(1);
  });

  it("revokes the whole family when a spent token is presented again", async () => {
    const f = identityFakes();
    await register(f.deps, alice);
    const first = await login(f.deps, { login: "alice", password: alice.password });
    const second = await refreshSession(f.deps, first.refreshToken);
    await expect(refreshSession(f.deps, first.refreshToken)).rejects.toBeInstanceOf(Unauthenticated);
    await expect(refreshSession(f.deps, second.refreshToken)).rejects.toBeInstanceOf(Unauthenticated);
    expect([...f.tokens.rows.values()].every((r) => r.revokedAt)).toBe(true);
  });

  it("refuses an expired refresh token", async () => {
    const f = identityFakes();
    await register(f.deps, alice);
    const session = await login(f.deps, { login: "alice", password: alice.password });
    f.advance(3600 * 1000 + 1);
    await expect(refreshSession(f.deps, session.refreshToken)).rejects.toBeInstanceOf(Unauthenticated);
  });

  it("logout revokes the family and is silent about unknown tokens", async () => {
    const f = identityFakes();
    await register(f.deps, alice);
    const session = await login(f.deps, { login: "alice", password: alice.password });
    await logout(f.deps, "unknown-token");
    await logout(f.deps, session.refreshToken);
    await expect(refreshSession(f.deps, session.refreshToken)).rejects.toBeInstanceOf(Unauthenticated);
  });
});

describe("admin accounts", () => {
  it("bootstraps the first admin once", async () => {
    const f = identityFakes();
    expect(await bootstrapAdmin(f.deps, { email: "root@example.com", password: "Str0ng-Passw0rd!" })).toBe(
      true,
    );
    expect(await bootstrapAdmin(f.deps, { email: "other@example.com", password: "Str0ng-Passw0rd!" })).toBe(
      false,
    );
    expect([...f.users.rows.values()].filter((u) => u.role === "ADMIN")).toHaveLength(1);
  });

  it("creates users of a given role and requires the role", async () => {
    const f = identityFakes();
    const office = await createUser(f.deps, { ...alice, role: "REGIONAL_OFFICE", officeCode: "PRG-1" });
    expect(office.role).toBe("REGIONAL_OFFICE");
    await expect(
      createUser(f.deps, { ...alice, username: "x-y-z", email: "z@example.com", role: undefined }),
    ).rejects.toBeInstanceOf(InvalidArgument);
  });
});
