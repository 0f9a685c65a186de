import { Code } from "@connectrpc/connect";
import { generateKeyPair, SignJWT } from "jose";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BadRequestSchema } from "../../gen/shopfloor/common/v1/common_pb.js";
import { IdentityService, Role } from "../../gen/shopfloor/identity/v1/identity_pb.js";
import { bearer, clientFor, closeGrpcClients, expectCode, SURFACES } from "../support/clients.js";
import { startTestApp, TEST_ADMIN, type TestApp, uniqueName } from "../support/test-app.js";

let app: TestApp;

beforeAll(async () => {
  app = await startTestApp();
});

afterAll(async () => {
  closeGrpcClients();
  await app?.stop();
  await app?.database.drop();
});

describe.each(SURFACES)("IdentityService over %s", (surface) => {
  const identity = () => clientFor(surface, IdentityService, app);
  const newAccount = () => {
    const username = uniqueName("user_");
    return { email: `${username}@example.com`, username, password: "correct horse battery" };
  };

  it("registers a customer and logs in by username and by email", async () => {
    const account = newAccount();
    const { user } = await identity().register(account);
    expect(user).toMatchObject({ email: account.email, username: account.username, role: Role.CUSTOMER });
    expect(user?.id).toMatch(/^[0-9a-f-]{36}$/);

    for (const login of [account.username, account.email.toUpperCase()]) {
      const session = await identity().login({ login, password: account.password });
      expect(session.accessToken.split(".")).toHaveLength(3);
      expect(session.refreshToken.length).toBeGreaterThanOrEqual(43);
      expect(session.expiresIn).toBe(900n);
      expect(session.user?.id).toBe(user?.id);
      const me = await identity().getMe({}, bearer(session.accessToken));
      expect(me.user?.username).toBe(account.username);
    }
  });

  it("answers a taken email as a new account (no oracle) and a taken username with ALREADY_EXISTS", async () => {
    const account = newAccount();
    const { user } = await identity().register(account);
    const other = newAccount();
    const answer = await identity().register({ ...other, email: account.email.toUpperCase() });
    expect(answer.user).toMatchObject({ email: account.email.toUpperCase(), username: other.username });
    expect(answer.user?.id).not.toBe(user?.id);
    // Nothing was stored: the email's owner keeps their account, the new name signs nobody in.
    await expectCode(
      identity().login({ login: other.username, password: other.password }),
      Code.Unauthenticated,
    );
    const session = await identity().login({ login: account.email, password: account.password });
    expect(session.user?.id).toBe(user?.id);
    const sameName = await expectCode(
      identity().register({ ...newAccount(), username: account.username }),
      Code.AlreadyExists,
    );
    expect(sameName.rawMessage).toContain("username");
  });

  it("answers bad input with INVALID_ARGUMENT naming each field, and stores nothing", async () => {
    const account = newAccount();
    const error = await expectCode(
      identity().register({ ...account, email: "not-an-email", password: "short" }),
      Code.InvalidArgument,
    );
    expect(error.rawMessage).toContain("email");
    expect(error.rawMessage).toContain("password");
    if (surface === "connect") {
      const [detail] = error.findDetails(BadRequestSchema);
      expect(detail?.fieldViolations.map((v) => v.field).sort()).toEqual(["email", "password"]);
    }
    await expectCode(identity().register({ ...account, password: "" }), Code.InvalidArgument);
    await expectCode(identity().register({ ...account, username: "a b" }), Code.InvalidArgument);
    await expectCode(
      identity().register({ ...account, email: `${"x".repeat(300)}@example.com` }),
      Code.InvalidArgument,
    );
    // NUL cannot be stored by PostgreSQL; bidi overrides and other invisible characters spoof addresses.
    await expectCode(
      identity().register({ ...account, email: "a\u0000b@example.com" }),
      Code.InvalidArgument,
    );
    await expectCode(
      identity().register({ ...account, email: "a\u0007\u202eb@example.com" }),
      Code.InvalidArgument,
    );
    await expectCode(
      identity().login({ login: "ali\u0000ce", password: "whatever123" }),
      Code.InvalidArgument,
    );
    // Nothing of the refused attempts was stored: the account can still be registered.
    await expect(identity().register(account)).resolves.toBeDefined();
  });

  it("fails an unknown login and a wrong password alike", async () => {
    const account = newAccount();
    await identity().register(account);
    const wrong = await expectCode(
      identity().login({ login: account.username, password: "wrong password" }),
      Code.Unauthenticated,
    );
    const unknown = await expectCode(
      identity().login({ login: uniqueName("nobody"), password: "whatever123" }),
      Code.Unauthenticated,
    );
    expect(wrong.rawMessage).toBe(unknown.rawMessage);
  });

  it("rotates refresh tokens and revokes the family when a rotated one is replayed", async () => {
    const account = newAccount();
    await identity().register(account);
    const first = await identity().login({ login: account.username, password: account.password });
    const second = await identity().refresh({ refreshToken: first.refreshToken });
    expect(second.refreshToken).not.toBe(first.refreshToken);
    const third = await identity().refresh({ refreshToken: second.refreshToken });

    // Replaying a spent token fails and revokes the whole family, including the newest token.
    await expectCode(identity().refresh({ refreshToken: first.refreshToken }), Code.Unauthenticated);
    await expectCode(identity().refresh({ refreshToken: third.refreshToken }), Code.Unauthenticated);
    // A separate login (another family) is untouched.
    const other = await identity().login({ login: account.username, password: account.password });
    await expect(identity().refresh({ refreshToken: other.refreshToken })).resolves.toBeDefined();
  });

  it("logs out by revoking the refresh family", async () => {
    const account = newAccount();
    await identity().register(account);
    const session = await identity().login({ login: account.username, password: account.password });
    const rotated = await identity().refresh({ refreshToken: session.refreshToken });
    await identity().logout({ refreshToken: session.refreshToken });
    await expectCode(identity().refresh({ refreshToken: rotated.refreshToken }), Code.Unauthenticated);
    await identity().logout({ refreshToken: "never-issued" });
    await expectCode(identity().logout({ refreshToken: "" }), Code.InvalidArgument);
  });

  it("refuses missing, malformed, tampered, foreign and expired access tokens", async () => {
    const account = newAccount();
    await identity().register(account);
    const { accessToken } = await identity().login({ login: account.username, password: account.password });
    await expectCode(identity().getMe({}), Code.Unauthenticated);
    await expectCode(identity().getMe({}, bearer("garbage")), Code.Unauthenticated);
    await expectCode(
      identity().getMe({}, { headers: { authorization: `Basic ${accessToken}` } }),
      Code.Unauthenticated,
    );

    const [header, payload, signature] = accessToken.split(".") as [string, string, string];
    const claims = JSON.parse(Buffer.from(payload, "base64url").toString());
    const forged = Buffer.from(JSON.stringify({ ...claims, role: "ADMIN" })).toString("base64url");
    await expectCode(identity().getMe({}, bearer(`${header}.${forged}.${signature}`)), Code.Unauthenticated);

    // Signed with a key Shopfloor does not know, or with the right shape but another audience or in the past.
    const { privateKey } = await generateKeyPair("EdDSA", { crv: "Ed25519" });
    const kid = JSON.parse(Buffer.from(header, "base64url").toString()).kid as string;
    const foreign = await new SignJWT({ role: "ADMIN" })
      .setProtectedHeader({ alg: "EdDSA", kid, typ: "at+jwt" })
      .setSubject(claims.sub)
      .setIssuer("shopfloor")
      .setAudience("shopfloor-api")
      .setIssuedAt()
      .setExpirationTime("5m")
      .sign(privateKey);
    await expectCode(identity().getMe({}, bearer(foreign)), Code.Unauthenticated);
    const none = `${Buffer.from(JSON.stringify({ alg: "none", typ: "at+jwt" })).toString("base64url")}.${payload}.`;
    await expectCode(identity().getMe({}, bearer(none)), Code.Unauthenticated);
  });

  it("lets only an admin create users of any role", async () => {
    const customer = newAccount();
    await identity().register(customer);
    const asCustomer = await identity().login({ login: customer.username, password: customer.password });
    await expectCode(
      identity().createUser({ ...newAccount(), role: Role.ADMIN }, bearer(asCustomer.accessToken)),
      Code.PermissionDenied,
    );

    const admin = await identity().login({ login: TEST_ADMIN.email, password: TEST_ADMIN.password });
    expect(admin.user?.role).toBe(Role.ADMIN);
    const office = newAccount();
    const created = await identity().createUser(
      { ...office, role: Role.REGIONAL_OFFICE, officeCode: "PRG-1" },
      bearer(admin.accessToken),
    );
    expect(created.user?.role).toBe(Role.REGIONAL_OFFICE);
    const officeSession = await identity().login({ login: office.username, password: office.password });
    expect(officeSession.user?.role).toBe(Role.REGIONAL_OFFICE);
    await expectCode(
      identity().createUser({ ...newAccount(), role: Role.UNSPECIFIED }, bearer(admin.accessToken)),
      Code.InvalidArgument,
    );
  });
});
