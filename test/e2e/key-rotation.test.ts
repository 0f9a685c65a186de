import { Code } from "@connectrpc/connect";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { IdentityService } from "../../gen/shopfloor/identity/v1/identity_pb.js";
import { bearer, clientFor, closeGrpcClients, expectCode, SURFACES } from "../support/clients.js";
import { eventually } from "../support/eventually.js";
import { registerCustomer, signInAdmin } from "../support/shop.js";
import { startTestApp, TEST_ADMIN, type TestApp } from "../support/test-app.js";

// Rotation that revokes: two instances on one database; what one rotates or retires, the other honours
// within SIGNING_KEY_RELOAD (shortened here; NOTIFY usually makes it immediate).

const kidOf = (token: string): string =>
  JSON.parse(Buffer.from(token.split(".")[0] ?? "", "base64url").toString()).kid;

let first: TestApp;
let second: TestApp;

beforeAll(async () => {
  const env = { SIGNING_KEY_RELOAD: "500ms" };
  first = await startTestApp({ env });
  second = await startTestApp({ database: first.database, env });
});

afterAll(async () => {
  closeGrpcClients();
  await second?.stop();
  await first?.stop();
  await first?.database.drop();
});

describe.each(SURFACES)("signing key rotation over %s", (surface) => {
  it("rotates, then retires the old key so its tokens are refused by every instance", async () => {
    const admin = await signInAdmin(first);
    const customer = await registerCustomer(second);
    const oldKid = kidOf(new Headers(customer.call.headers).get("authorization")?.slice(7) ?? "");
    const onFirst = clientFor(surface, IdentityService, first);
    const onSecond = clientFor(surface, IdentityService, second);

    const { key, activeKeys } = await onFirst.rotateSigningKeys({}, admin.call);
    expect(key?.kid).toBeTruthy();
    expect(activeKeys.map((k) => k.kid)).toEqual([key?.kid, oldKid]);
    // The other instance signs with the new key once it has reloaded.
    await eventually(async () => {
      const session = await clientFor("connect", IdentityService, second).login({
        login: TEST_ADMIN.email,
        password: TEST_ADMIN.password,
      });
      expect(kidOf(session.accessToken)).toBe(key?.kid);
    });
    // Tokens of the old key still verify everywhere until it is retired.
    await onSecond.getMe({}, customer.call);
    await onFirst.getMe({}, customer.call);

    await expectCode(onFirst.retireSigningKey({ kid: key?.kid ?? "" }, admin.call), Code.FailedPrecondition);
    await expectCode(onFirst.retireSigningKey({ kid: "no-such-key" }, admin.call), Code.NotFound);
    await expectCode(onFirst.retireSigningKey({ kid: oldKid }, customer.call), Code.PermissionDenied);
    await onFirst.retireSigningKey({ kid: oldKid }, admin.call);

    // Refused at once where it was retired, and within the reload period on the other instance, though
    // that instance had already verified (and remembered) the token.
    await expectCode(onFirst.getMe({}, customer.call), Code.Unauthenticated);
    await eventually(() => expectCode(onSecond.getMe({}, customer.call), Code.Unauthenticated), {
      timeoutMs: 5000,
    });
    const jwks = (await (await fetch(`${second.httpUrl}/.well-known/jwks.json`)).json()) as {
      keys: { kid: string }[];
    };
    expect(jwks.keys.map((k) => k.kid)).not.toContain(oldKid);
    // Tokens signed with the new key keep working.
    const fresh = await clientFor("connect", IdentityService, first).login({
      login: TEST_ADMIN.email,
      password: TEST_ADMIN.password,
    });
    await onSecond.getMe({}, bearer(fresh.accessToken));
  });
});
