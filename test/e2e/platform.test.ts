import { createRequire } from "node:module";
import { Code, createClient } from "@connectrpc/connect";
import { createConnectTransport } from "@connectrpc/connect-node";
import * as grpc from "@grpc/grpc-js";
import * as protoLoader from "@grpc/proto-loader";
import { importJWK, type JWK, SignJWT } from "jose";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { IdentityService } from "../../gen/shopfloor/identity/v1/identity_pb.js";
import { bearer, clientFor, closeGrpcClients, expectCode, SURFACES } from "../support/clients.js";
import { startTestApp, TEST_ADMIN, type TestApp } from "../support/test-app.js";

// The platform around the RPCs: health, reflection, JWKS, metrics, limits, gRPC-Web, token checks.

const require = createRequire(import.meta.url);
let app: TestApp;

beforeAll(async () => {
  app = await startTestApp({
    env: { LOGIN_MAX_FAILURES_PER_ACCOUNT: "3", CORS_ALLOWED_ORIGINS: "https://shop.example.com" },
  });
});

afterAll(async () => {
  closeGrpcClients();
  await app?.stop();
  await app?.database.drop();
});

// biome-ignore lint/suspicious/noExplicitAny: proto-loader clients are untyped
type UntypedClient = grpc.Client & Record<string, any>;

function loadGrpcService(
  protoPath: string,
  pkg: string[],
  service: string,
): new (
  address: string,
  creds: grpc.ChannelCredentials,
) => UntypedClient {
  const definition = protoLoader.loadSync(require.resolve(protoPath), {
    keepCase: true,
    longs: String,
    enums: String,
    defaults: true,
  });
  let node: unknown = grpc.loadPackageDefinition(definition);
  for (const part of pkg) node = (node as Record<string, unknown>)[part];
  return (node as Record<string, grpc.ServiceClientConstructor>)[service] as unknown as new (
    address: string,
    creds: grpc.ChannelCredentials,
  ) => UntypedClient;
}

describe("operator endpoints", () => {
  it("answers /healthz and /readyz", async () => {
    expect(await (await fetch(`${app.httpUrl}/healthz`)).json()).toEqual({ status: "ok" });
    const ready = await fetch(`${app.httpUrl}/readyz`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toMatchObject({ status: "ready", checks: { database: "ok" } });
  });

  it("publishes only public signing keys at /.well-known/jwks.json", async () => {
    const jwks = (await (await fetch(`${app.httpUrl}/.well-known/jwks.json`)).json()) as { keys: JWK[] };
    expect(jwks.keys.length).toBeGreaterThan(0);
    for (const key of jwks.keys) {
      expect(key).toMatchObject({ kty: "OKP", crv: "Ed25519", alg: "EdDSA", use: "sig" });
      expect(key.kid).toBeTruthy();
      expect(key).not.toHaveProperty("d");
    }
  });

  it("exposes RPC metrics in Prometheus format", async () => {
    await clientFor("connect", IdentityService, app).login({
      login: TEST_ADMIN.email,
      password: TEST_ADMIN.password,
    });
    const text = await (await fetch(`${app.httpUrl}/metrics`)).text();
    expect(text).toMatch(
      /shopfloor_rpc_requests_total\{service="shopfloor.identity.v1.IdentityService",method="Login",protocol="connect",code="ok"\} \d+/,
    );
    expect(text).toContain("shopfloor_rpc_duration_seconds_bucket");
  });

  it("answers unknown paths with 404 JSON and echoes a sane x-request-id", async () => {
    const missing = await fetch(`${app.httpUrl}/nope`);
    expect(missing.status).toBe(404);
    const res = await fetch(`${app.httpUrl}/shopfloor.identity.v1.IdentityService/GetMe`, {
      method: "POST",
      headers: { "content-type": "application/json", "x-request-id": "req-123" },
      body: "{}",
    });
    expect(res.status).toBe(401);
    expect(res.headers.get("x-request-id")).toBe("req-123");
    expect(await res.json()).toMatchObject({ code: "unauthenticated" });
  });
});

describe("CORS", () => {
  const preflight = (origin: string) =>
    fetch(`${app.httpUrl}/shopfloor.identity.v1.IdentityService/GetMe`, {
      method: "OPTIONS",
      headers: {
        origin,
        "access-control-request-method": "POST",
        "access-control-request-headers": "authorization,content-type,connect-protocol-version",
      },
    });

  it("lets an allowed browser origin call with a bearer token and read the request id", async () => {
    const res = await preflight("https://shop.example.com");
    expect(res.status).toBe(204);
    expect(res.headers.get("access-control-allow-origin")).toBe("https://shop.example.com");
    expect(res.headers.get("access-control-allow-headers")?.toLowerCase()).toContain("authorization");
    const call = await fetch(`${app.httpUrl}/shopfloor.identity.v1.IdentityService/GetMe`, {
      method: "POST",
      headers: { origin: "https://shop.example.com", "content-type": "application/json" },
      body: "{}",
    });
    expect(call.headers.get("access-control-allow-origin")).toBe("https://shop.example.com");
    expect(call.headers.get("access-control-expose-headers")).toContain("x-request-id");
  });

  it("gives other origins no CORS grant", async () => {
    const res = await preflight("https://evil.example.net");
    expect(res.headers.get("access-control-allow-origin")).toBeNull();
  });
});

describe("gRPC platform services", () => {
  it("reports SERVING through grpc.health.v1", async () => {
    const Health = loadGrpcService(
      "grpc-health-check/proto/health/v1/health.proto",
      ["grpc", "health", "v1"],
      "Health",
    );
    const client = new Health(app.grpcAddress, grpc.credentials.createInsecure());
    const check = (service: string) =>
      new Promise<{ status: string }>((resolve, reject) =>
        client.Check({ service }, (err: Error | null, res: { status: string }) =>
          err ? reject(err) : resolve(res),
        ),
      );
    expect((await check("")).status).toBe("SERVING");
    expect((await check("shopfloor.identity.v1.IdentityService")).status).toBe("SERVING");
    client.close();
  });

  it.each(["v1", "v1alpha"])(
    "lists the services and serves their files through reflection %s",
    async (version) => {
      const Reflection = loadGrpcService(
        `@grpc/reflection/build/proto/grpc/reflection/${version}/reflection.proto`,
        ["grpc", "reflection", version],
        "ServerReflection",
      );
      const client = new Reflection(app.grpcAddress, grpc.credentials.createInsecure());
      const ask = (request: object) =>
        new Promise<Record<string, unknown>>((resolve, reject) => {
          const call = client.ServerReflectionInfo();
          call.on("data", (res: Record<string, unknown>) => {
            resolve(res);
            call.end();
          });
          call.on("error", reject);
          call.write(request);
        });
      const listed = (await ask({ list_services: "" })) as {
        list_services_response: { service: { name: string }[] };
      };
      const names = listed.list_services_response.service.map((s) => s.name);
      expect(names).toContain("shopfloor.identity.v1.IdentityService");
      expect(names).toContain("grpc.health.v1.Health");
      const file = (await ask({ file_containing_symbol: "shopfloor.identity.v1.IdentityService" })) as {
        file_descriptor_response?: { file_descriptor_proto: Buffer[] };
      };
      expect(file.file_descriptor_response?.file_descriptor_proto.length).toBeGreaterThan(0);
      client.close();
    },
  );
});

describe("limits", () => {
  it("refuses a body over 1 MiB with RESOURCE_EXHAUSTED on Connect and on gRPC", async () => {
    const huge = "x".repeat(1024 * 1024 + 10);
    for (const surface of SURFACES) {
      await expectCode(
        clientFor(surface, IdentityService, app).login({ login: huge, password: "p" }),
        Code.ResourceExhausted,
      );
    }
    const raw = await fetch(`${app.httpUrl}/shopfloor.identity.v1.IdentityService/Login`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ login: huge, password: "p" }),
    });
    expect(raw.status).toBe(429);
    expect(await raw.json()).toMatchObject({ code: "resource_exhausted" });
  });

  it("answers a malformed protobuf message over gRPC with INVALID_ARGUMENT", async () => {
    const client = new grpc.Client(app.grpcAddress, grpc.credentials.createInsecure());
    const code = await new Promise<number>((resolve) =>
      client.makeUnaryRequest(
        "/shopfloor.identity.v1.IdentityService/Login",
        (b: Buffer) => b,
        (b: Buffer) => b,
        Buffer.from([0x0a, 0xff, 0xff, 0xff, 0xff, 0x0f]),
        (err) => resolve(err?.code ?? 0),
      ),
    );
    client.close();
    expect(code).toBe(grpc.status.INVALID_ARGUMENT);
  });

  it("answers malformed JSON with INVALID_ARGUMENT and no stack trace", async () => {
    const res = await fetch(`${app.httpUrl}/shopfloor.identity.v1.IdentityService/Register`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: '{"email": 12, "password": [',
    });
    expect(res.status).toBe(400);
    const body = await res.text();
    expect(body).not.toMatch(/at .*\.ts:\d+/);
    expect(JSON.parse(body)).toMatchObject({ code: "invalid_argument" });
  });

  it.each(SURFACES)("slows repeated failed logins of one account over %s", async (surface) => {
    const identity = clientFor(surface, IdentityService, app);
    const login = `throttled-${surface}`;
    for (let i = 0; i < 3; i++)
      await expectCode(identity.login({ login, password: "wrong-password" }), Code.Unauthenticated);
    // Past the limit the account is not locked: one attempt per growing delay, the others told to wait.
    await expectCode(identity.login({ login, password: "wrong-password" }), Code.Unauthenticated);
    const error = await expectCode(
      identity.login({ login, password: "wrong-password" }),
      Code.ResourceExhausted,
    );
    expect(error.rawMessage).toMatch(/try again in \d+ s/);
    expect(Number(error.metadata.get("retry-after"))).toBeGreaterThanOrEqual(1);
  });
});

describe("access tokens", () => {
  async function signWithShopfloorKey(claims: {
    aud?: string;
    iss?: string;
    expired?: boolean;
  }): Promise<string> {
    const [key] = await app.database.sql<{ kid: string; private_jwk: JWK }[]>`
      select kid, private_jwk from signing_keys where retire_time is null order by create_time desc limit 1`;
    if (!key) throw new Error("no signing key");
    const session = await clientFor("connect", IdentityService, app).login({
      login: TEST_ADMIN.email,
      password: TEST_ADMIN.password,
    });
    const now = Math.floor(Date.now() / 1000);
    return new SignJWT({ role: "ADMIN" })
      .setProtectedHeader({ alg: "EdDSA", kid: key.kid, typ: "at+jwt" })
      .setSubject(session.user?.id ?? "")
      .setIssuer(claims.iss ?? "shopfloor")
      .setAudience(claims.aud ?? "shopfloor-api")
      .setIssuedAt(claims.expired ? now - 3600 : now)
      .setExpirationTime(claims.expired ? now - 60 : now + 300)
      .sign(await importJWK(key.private_jwk, "EdDSA"));
  }

  it.each(SURFACES)(
    "accepts a well-formed token and refuses expired, wrong-audience and wrong-issuer ones over %s",
    async (surface) => {
      const identity = clientFor(surface, IdentityService, app);
      const good = await signWithShopfloorKey({});
      expect((await identity.getMe({}, bearer(good))).user?.email).toBe(TEST_ADMIN.email);
      const expired = await expectCode(
        identity.getMe({}, bearer(await signWithShopfloorKey({ expired: true }))),
        Code.Unauthenticated,
      );
      expect(expired.rawMessage).toContain("expired");
      await expectCode(
        identity.getMe({}, bearer(await signWithShopfloorKey({ aud: "another-api" }))),
        Code.Unauthenticated,
      );
      await expectCode(
        identity.getMe({}, bearer(await signWithShopfloorKey({ iss: "someone-else" }))),
        Code.Unauthenticated,
      );
    },
  );
});

describe("Connect binary", () => {
  it("serves the same RPCs in the protobuf binary encoding", async () => {
    const identity = createClient(
      IdentityService,
      createConnectTransport({ baseUrl: app.httpUrl, httpVersion: "1.1", useBinaryFormat: true }),
    );
    const session = await identity.login({ login: TEST_ADMIN.email, password: TEST_ADMIN.password });
    expect((await identity.getMe({}, bearer(session.accessToken))).user?.email).toBe(TEST_ADMIN.email);
    await expectCode(identity.getMe({}), Code.Unauthenticated);
  });
});

describe("gRPC-Web", () => {
  it("serves the same RPCs with the same codes", async () => {
    const identity = clientFor("grpc-web", IdentityService, app);
    const session = await identity.login({ login: TEST_ADMIN.email, password: TEST_ADMIN.password });
    expect((await identity.getMe({}, bearer(session.accessToken))).user?.email).toBe(TEST_ADMIN.email);
    await expectCode(identity.getMe({}), Code.Unauthenticated);
    await expectCode(
      identity.register({ email: "bad", username: "ok_name", password: "long enough" }),
      Code.InvalidArgument,
    );
  });
});
