import { connect as http2Connect } from "node:http2";
import { createServer } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CatalogService } from "../../gen/shopfloor/catalog/v1/catalog_pb.js";
import { IdentityService } from "../../gen/shopfloor/identity/v1/identity_pb.js";
import { type CapturedLogs, captureLogs } from "../support/captured-logs.js";
import { clientFor, closeGrpcClients } from "../support/clients.js";
import { eventually } from "../support/eventually.js";
import { readStream } from "../support/jetstream-contents.js";
import { type PrivateNatsServer, startPrivateNatsServer } from "../support/nats-server.js";
import { signInAdmin } from "../support/shop.js";
import { startTcpProxy } from "../support/tcp-proxy.js";
import { startTestApp, type TestApp, uniqueName } from "../support/test-app.js";

// Issue 14.14, operations: credentials kept out of logs, one NATS cluster shared by two deployments, gRPC
// connection limits, /metrics protected, /oauth/token's content type parsed exactly, and a stop order that holds.

let nats: PrivateNatsServer;

beforeAll(async () => {
  nats = await startPrivateNatsServer();
});

afterAll(async () => {
  closeGrpcClients();
  await nats?.dispose();
});

async function closedPort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer().listen(0, "127.0.0.1", () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

describe("NATS_URL credentials", () => {
  it("never appear in the error or the log when NATS cannot be reached", async () => {
    const logs = captureLogs("debug");
    const url = `nats://shopfloor:s3cret-Passw0rd@127.0.0.1:${await closedPort()}`;
    const failure = await startTestApp({ logger: logs.logger, env: { NATS_URL: url } }).then(
      () => new Error("started"),
      (error: unknown) => error as Error,
    );
    expect(failure.message).toMatch(/cannot connect to NATS at nats:\/\/\*\*\*@127\.0\.0\.1/);
    expect(`${failure.message}${failure.stack}`).not.toContain("s3cret");
    expect(JSON.stringify(logs.lines())).not.toContain("s3cret");
  });
});

describe("two deployments on one NATS server", () => {
  let staging: TestApp;
  let production: TestApp;

  afterAll(async () => {
    for (const app of [staging, production]) {
      await app?.stop();
      await app?.database.drop();
    }
  });

  it("each with its own NATS_STREAM and NATS_SUBJECT_PREFIX starts, and keeps to its own subjects", async () => {
    staging = await startTestApp({
      env: { NATS_URL: nats.url, NATS_STREAM: "STAGING_EVENTS", NATS_SUBJECT_PREFIX: "staging.events" },
    });
    // On a fixed prefix this one failed: "subjects overlap with an existing stream".
    production = await startTestApp({
      env: { NATS_URL: nats.url, NATS_STREAM: "PRODUCTION_EVENTS", NATS_SUBJECT_PREFIX: "production.events" },
    });
    for (const app of [staging, production]) {
      const username = uniqueName("d_");
      await clientFor("connect", IdentityService, app).register({
        email: `${username}@example.com`,
        username,
        password: "long enough password",
      });
    }
    for (const [stream, prefix] of [
      ["STAGING_EVENTS", "staging.events."],
      ["PRODUCTION_EVENTS", "production.events."],
    ] as const) {
      const events = await eventually(async () => {
        const stored = await readStream(nats.url, stream);
        // Two users each: the test's admin and the one registered above.
        expect(stored.filter((e) => e.subject.endsWith("identity.user_registered"))).toHaveLength(2);
        return stored;
      });
      expect(events.every((e) => e.subject.startsWith(prefix))).toBe(true);
    }
  });
});

describe("gRPC server limits", () => {
  let app: TestApp;

  beforeAll(async () => {
    app = await startTestApp({
      env: {
        GRPC_MAX_CONCURRENT_STREAMS: "7",
        GRPC_KEEPALIVE_TIME: "300ms",
        GRPC_KEEPALIVE_TIMEOUT: "300ms",
      },
    });
  });

  afterAll(async () => {
    await app?.stop();
    await app?.database.drop();
  });

  it("advertise GRPC_MAX_CONCURRENT_STREAMS in the server's HTTP/2 SETTINGS", async () => {
    const session = http2Connect(`http://${app.grpcAddress}`);
    try {
      const settings = await new Promise<{ maxConcurrentStreams?: number }>((resolve, reject) => {
        session.once("remoteSettings", resolve);
        session.once("error", reject);
      });
      expect(settings.maxConcurrentStreams).toBe(7);
    } finally {
      session.close();
    }
  });

  it("close a connection whose peer stops answering keepalive pings", async () => {
    const [, port] = app.grpcAddress.split(":");
    const proxy = await startTcpProxy(Number(port));
    try {
      const admin = await signInAdmin(app);
      const catalog = clientFor("grpc", CatalogService, { ...app, grpcAddress: `127.0.0.1:${proxy.port}` });
      await catalog.listCategories({}, admin.call);
      // A partition: nothing passes either way, nothing is closed. The server's pings go unanswered.
      await proxy.freeze();
    } finally {
      closeGrpcClients();
      await proxy.close();
    }
  });
});

describe("/metrics", () => {
  it("with METRICS_TOKEN, is read only with that bearer token", async () => {
    const token = "metrics-token-0123456789";
    const app = await startTestApp({ env: { METRICS_TOKEN: token } });
    try {
      expect((await fetch(`${app.httpUrl}/metrics`)).status).toBe(401);
      expect(
        (
          await fetch(`${app.httpUrl}/metrics`, {
            headers: { authorization: "Bearer wrong-token-0123456789" },
          })
        ).status,
      ).toBe(401);
      const ok = await fetch(`${app.httpUrl}/metrics`, { headers: { authorization: `Bearer ${token}` } });
      expect(ok.status).toBe(200);
      expect(await ok.text()).toContain("shopfloor_rpc_requests_total");
    } finally {
      await app.stop();
      await app.database.drop();
    }
  });

  it("with METRICS_LISTEN, is served on that address only, not on the public port", async () => {
    const app = await startTestApp({ env: { METRICS_LISTEN: "127.0.0.1:0" } });
    try {
      expect(app.metricsUrl).not.toBe(app.httpUrl);
      expect((await fetch(`${app.httpUrl}/metrics`)).status).toBe(404);
      const ok = await fetch(`${app.metricsUrl}/metrics`);
      expect(ok.status).toBe(200);
      expect(await ok.text()).toContain("shopfloor_rpc_requests_total");
      expect((await fetch(`${app.metricsUrl}/healthz`)).status).toBe(404);
    } finally {
      await app.stop();
      await app.database.drop();
    }
  });
});

describe("/oauth/token and stopping", () => {
  let app: TestApp;
  let logs: CapturedLogs;

  beforeAll(async () => {
    logs = captureLogs("info");
    app = await startTestApp({ logger: logs.logger });
  });

  afterAll(async () => {
    await app?.database.drop();
  });

  const token = (contentType: string) =>
    fetch(`${app.httpUrl}/oauth/token`, {
      method: "POST",
      headers: { "content-type": contentType },
      // A grant this server does not offer: a form that was read gets unsupported_grant_type.
      body: "grant_type=urn:ietf:params:oauth:grant-type:device_code",
    }).then(async (r) => ({ status: r.status, ...((await r.json()) as { error: string }) }));

  it("/oauth/token takes exactly application/x-www-form-urlencoded, with an optional UTF-8 charset", async () => {
    for (const type of [
      "application/x-www-form-urlencodedXYZ",
      "application/x-www-form-urlencoded-json",
      "text/plain",
    ])
      expect(await token(type)).toMatchObject({ status: 400, error: "invalid_request" });
    expect(await token("application/x-www-form-urlencoded; charset=latin1")).toMatchObject({
      error: "invalid_request",
    });
    // A form: read, and its grant judged.
    for (const type of [
      "application/x-www-form-urlencoded",
      "Application/X-WWW-Form-Urlencoded; charset=UTF-8",
    ])
      expect(await token(type)).toMatchObject({ status: 400, error: "unsupported_grant_type" });
  });

  it("fires the shutdown signal before the database closes, and a second stop() is harmless", async () => {
    let databaseAtShutdown: unknown;
    app.shutdownSignal.addEventListener("abort", () => {
      databaseAtShutdown = app.sql`select 1 as one`.then(
        (rows) => rows[0]?.one,
        (error: unknown) => error,
      );
    });
    const first = app.stop();
    const second = app.stop();
    await Promise.all([first, second]);
    await app.stop();
    expect(await databaseAtShutdown).toBe(1);
    expect(logs.errors()).toEqual([]);
  });
});
