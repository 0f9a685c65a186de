import { Code } from "@connectrpc/connect";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { IdentityService } from "../../gen/shopfloor/identity/v1/identity_pb.js";
import { clientFor, closeGrpcClients, expectCode, SURFACES } from "../support/clients.js";
import { eventually } from "../support/eventually.js";
import { registerCustomer, type SignedIn } from "../support/shop.js";
import { startTestApp, type TestApp, uniqueName } from "../support/test-app.js";

// Sign-up throttling and the general per-network and per-account budgets, over both transports. Every call
// here comes from 127.0.0.1, which is one client network.

const newAccount = () => {
  const username = uniqueName("abuse_");
  return { email: `${username}@example.com`, username, password: "correct horse battery" };
};

describe("sign-up and per-account budgets", () => {
  let app: TestApp;
  const customers: SignedIn[] = [];

  beforeAll(async () => {
    app = await startTestApp({
      env: { REGISTER_MAX_PER_ADDRESS: "3", RATE_LIMIT_PER_ACCOUNT: "4", RATE_LIMIT_SYNC: "100ms" },
    });
    customers.push(await registerCustomer(app), await registerCustomer(app));
  });

  afterAll(async () => {
    closeGrpcClients();
    await app?.stop();
    await app?.database.drop();
  });

  it("throttles sign-up per client network on every surface, with the wait in retry-after", async () => {
    await clientFor("connect", IdentityService, app).register(newAccount());
    for (const surface of SURFACES) {
      const identity = clientFor(surface, IdentityService, app);
      const error = await expectCode(identity.register(newAccount()), Code.ResourceExhausted);
      expect(error.rawMessage).toMatch(/too many sign-ups: try again in \d+ s/);
      expect(Number(error.metadata.get("retry-after"))).toBeGreaterThanOrEqual(1);
    }
    const [row] = await app.database.sql<{ count: string }[]>`select count(*) from users`;
    expect(Number(row?.count)).toBe(4); // the admin, two customers and the third sign-up
  });

  it.each(SURFACES)("gives each account its own budget of calls over %s", async (surface) => {
    const customer = customers[SURFACES.indexOf(surface)];
    if (!customer) throw new Error("no customer");
    const identity = clientFor(surface, IdentityService, app);
    for (let i = 0; i < 4; i++) await identity.getMe({}, customer.call);
    const error = await expectCode(identity.getMe({}, customer.call), Code.ResourceExhausted);
    expect(error.rawMessage).toMatch(/too many requests from this account: try again in \d+ s/);
    expect(Number(error.metadata.get("retry-after"))).toBeGreaterThanOrEqual(1);
  });
});

describe("per-network budget shared by instances", () => {
  let first: TestApp;
  let second: TestApp;

  beforeAll(async () => {
    const env = { RATE_LIMIT_PER_ADDRESS: "10", RATE_LIMIT_SYNC: "100ms" };
    first = await startTestApp({ env });
    second = await startTestApp({ database: first.database, env });
  });

  afterAll(async () => {
    closeGrpcClients();
    await second?.stop();
    await first?.stop();
    await first?.database.drop();
  });

  it("refuses a network past its budget on every RPC and surface, counting calls on every instance", async () => {
    const onFirst = clientFor("connect", IdentityService, first);
    for (let i = 0; i < 10; i++) await expectCode(onFirst.getMe({}), Code.Unauthenticated);
    const error = await expectCode(onFirst.getMe({}), Code.ResourceExhausted);
    expect(error.rawMessage).toMatch(/too many requests from this network: try again in \d+ s/);
    expect(Number(error.metadata.get("retry-after"))).toBeGreaterThanOrEqual(1);
    await expectCode(
      clientFor("grpc", IdentityService, first).login({ login: "x", password: "y" }),
      Code.ResourceExhausted,
    );

    // The other instance learns of the first one's calls at its next sync: it admits at most a sync's
    // worth more, then refuses too.
    const onSecond = clientFor("grpc", IdentityService, second);
    let admitted = 0;
    await eventually(
      async () => {
        const outcome = await onSecond.getMe({}).catch((e: unknown) => e);
        const code = (outcome as { code?: Code }).code;
        if (code !== Code.ResourceExhausted) {
          admitted += 1;
          throw new Error(`admitted (${admitted})`);
        }
      },
      { timeoutMs: 10_000, intervalMs: 20 },
    );
    expect(admitted).toBeLessThan(10);
  });
});
