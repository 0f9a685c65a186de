import { execFile } from "node:child_process";
import { Writable } from "node:stream";
import { promisify } from "node:util";
import { create, toBinary } from "@bufbuild/protobuf";
import * as grpc from "@grpc/grpc-js";
import { pino } from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { LoginRequestSchema } from "../../gen/shopfloor/identity/v1/identity_pb.js";
import { closeGrpcClients } from "../support/clients.js";
import { createProducts, signInAdmin } from "../support/shop.js";
import { startTestApp, TEST_ADMIN, type TestApp } from "../support/test-app.js";

// What a newcomer's tools meet first: reflection that describes everything it lists (buf curl), JSON that
// carries zero values, and malformed bodies answered as the caller's mistake on every surface.

const run = promisify(execFile);
let app: TestApp;
const logLines: Array<{ level: number; msg?: string; [key: string]: unknown }> = [];

beforeAll(async () => {
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString().split("\n")) if (line) logLines.push(JSON.parse(line));
      done();
    },
  });
  app = await startTestApp({ logger: pino({ level: "info" }, sink) });
});

afterAll(async () => {
  closeGrpcClients();
  await app?.stop();
  await app?.database.drop();
});

async function bufCurl(...args: string[]): Promise<string> {
  const { stdout } = await run(
    "node_modules/.bin/buf",
    ["curl", "--protocol", "grpc", "--http2-prior-knowledge", ...args],
    { timeout: 30_000 },
  );
  return stdout;
}

describe("gRPC reflection", () => {
  it("describes every service it lists: buf curl --list-methods walks the whole server", async () => {
    const services = (await bufCurl("--list-services", `http://${app.grpcAddress}`)).trim().split("\n");
    expect(services).toEqual(
      expect.arrayContaining([
        "grpc.health.v1.Health",
        "shopfloor.identity.v1.IdentityService",
        "shopfloor.catalog.v1.CatalogService",
        "shopfloor.ordering.v1.OrderService",
      ]),
    );
    const methods = (await bufCurl("--list-methods", `http://${app.grpcAddress}`)).trim().split("\n");
    expect(methods).toEqual(
      expect.arrayContaining([
        "grpc.health.v1.Health/Check",
        "grpc.health.v1.Health/Watch",
        "shopfloor.identity.v1.IdentityService/Login",
        "shopfloor.catalog.v1.CatalogService/ListProducts",
        "shopfloor.ordering.v1.OrderService/WatchOrder",
      ]),
    );
    // Each listed service has its methods described.
    for (const service of services) expect(methods.some((m) => m.startsWith(`${service}/`))).toBe(true);
  });

  it("calls an RPC of every service with nothing but reflection", async () => {
    const url = (method: string) => `http://${app.grpcAddress}/${method}`;
    expect(JSON.parse(await bufCurl("-d", "{}", url("grpc.health.v1.Health/Check")))).toEqual({
      status: "SERVING",
    });
    const session = JSON.parse(
      await bufCurl(
        "-d",
        JSON.stringify({ login: TEST_ADMIN.email, password: TEST_ADMIN.password }),
        url("shopfloor.identity.v1.IdentityService/Login"),
      ),
    ) as { accessToken: string };
    expect(session.accessToken).toBeTruthy();
    const auth = ["-H", `authorization: Bearer ${session.accessToken}`];
    expect(
      JSON.parse(
        await bufCurl(...auth, "-d", "{}", url("shopfloor.catalog.v1.CatalogService/ListCategories")),
      ),
    ).toBeTypeOf("object");
    expect(
      JSON.parse(await bufCurl(...auth, "-d", "{}", url("shopfloor.ordering.v1.OrderService/ListOrders"))),
    ).toBeTypeOf("object");
  });
});

describe("Connect JSON", () => {
  it("includes fields at their zero value: stockQuantity 0 and archived false", async () => {
    const admin = await signInAdmin(app);
    const [product] = await createProducts(app, admin, [{ stock: 0 }]);
    const res = await fetch(`${app.httpUrl}/shopfloor.catalog.v1.CatalogService/GetProduct`, {
      method: "POST",
      headers: { "content-type": "application/json", ...(admin.call.headers as Record<string, string>) },
      body: JSON.stringify({ productId: product?.id }),
    });
    const body = (await res.json()) as { product: Record<string, unknown> };
    expect(body.product).toMatchObject({ stockQuantity: 0, archived: false, description: "" });
  });
});

describe("malformed bodies", () => {
  const path = "/shopfloor.identity.v1.IdentityService/Login";
  const valid = toBinary(
    LoginRequestSchema,
    create(LoginRequestSchema, { login: "somebody", password: "a password of some length" }),
  );
  const bodies: Record<string, Uint8Array> = {
    // Field 1, length-delimited, with a length far past the end.
    garbage: Uint8Array.from([0x0a, 0xff, 0xff, 0xff, 0xff, 0x0f]),
    truncated: valid.subarray(0, valid.length - 5),
    // Wire type 7 does not exist.
    "invalid wire type": Uint8Array.from([0x0f, 0x01, 0x02]),
  };

  it("answers bad JSON on Connect JSON with invalid_argument", async () => {
    for (const body of ['{"login": "a", "password": [', "not json", '{"login": 5}']) {
      const res = await fetch(`${app.httpUrl}${path}`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body,
      });
      expect(res.status).toBe(400);
      expect(await res.json()).toMatchObject({ code: "invalid_argument" });
    }
  });

  it.each(Object.keys(bodies))(
    "answers a %s protobuf body on Connect binary with invalid_argument",
    async (kind) => {
      const res = await fetch(`${app.httpUrl}${path}`, {
        method: "POST",
        headers: { "content-type": "application/proto" },
        body: bodies[kind],
      });
      expect(res.status).toBe(400);
      const text = await res.text();
      expect(JSON.parse(text)).toMatchObject({ code: "invalid_argument" });
      expect(text).not.toMatch(/at .*\.[jt]s:\d+/);
    },
  );

  const envelope = (flags: number, payload: Uint8Array, declaredLength = payload.length) => {
    const out = new Uint8Array(5 + payload.length);
    new DataView(out.buffer).setUint32(1, declaredLength);
    out[0] = flags;
    out.set(payload, 5);
    return out;
  };
  const grpcWebBodies: Record<string, Uint8Array> = {
    ...Object.fromEntries(Object.entries(bodies).map(([k, v]) => [k, envelope(0, v)])),
    "short envelope": envelope(0, valid, valid.length + 100),
    "compressed without an encoding": envelope(1, valid),
  };

  it.each(Object.keys(grpcWebBodies))("answers a %s body on gRPC-Web with invalid_argument", async (kind) => {
    const res = await fetch(`${app.httpUrl}${path}`, {
      method: "POST",
      headers: { "content-type": "application/grpc-web+proto", "x-grpc-web": "1" },
      body: grpcWebBodies[kind],
    });
    // gRPC-Web carries the status in a header (no message) or in the trailer frame.
    const bytes = new Uint8Array(await res.arrayBuffer());
    const status =
      res.headers.get("grpc-status") ?? /grpc-status: ?(\d+)/.exec(new TextDecoder().decode(bytes))?.[1];
    expect(status).toBe(String(grpc.status.INVALID_ARGUMENT));
  });

  it.each(Object.keys(bodies))(
    "answers a %s protobuf message on gRPC with INVALID_ARGUMENT",
    async (kind) => {
      const client = new grpc.Client(app.grpcAddress, grpc.credentials.createInsecure());
      const code = await new Promise<number>((resolve) =>
        client.makeUnaryRequest(
          path,
          (b: Buffer) => b,
          (b: Buffer) => b,
          Buffer.from(bodies[kind] ?? []),
          (err) => resolve(err?.code ?? 0),
        ),
      );
      client.close();
      expect(code).toBe(grpc.status.INVALID_ARGUMENT);
    },
  );

  it("logs none of them as an error or as internal", () => {
    const bad = logLines.filter((line) => line.level >= 50 || /internal/i.test(JSON.stringify(line)));
    expect(bad).toEqual([]);
  });
});
