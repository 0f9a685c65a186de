import { validate } from "@readme/openapi-parser";
import { Ajv2020, type ValidateFunction } from "ajv/dist/2020.js";
import addFormats from "ajv-formats";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ACCESS_POLICY } from "../../src/adapters/connect/access-policy.js";
import { closeGrpcClients } from "../support/clients.js";
import { createProducts, type SignedIn, signInAdmin } from "../support/shop.js";
import { startTestApp, TEST_ADMIN, type TestApp } from "../support/test-app.js";

// /openapi.json proven against the server: a validator accepts it, and every path in it is called with a
// request built from its schema, the answer checked against the documented schema (ajv), errors included.

type Schema = Record<string, unknown>;
interface Operation {
  readonly requestBody?: { content: Record<string, { schema: Schema }> };
  readonly responses: Record<string, { $ref?: string; content?: Record<string, { schema: Schema }> }>;
  readonly security?: unknown[];
  readonly description?: string;
  readonly "x-shopfloor-rpc"?: string;
  readonly "x-shopfloor-streaming"?: string;
  readonly "x-shopfloor-roles"?: string[];
}
interface Document {
  readonly paths: Record<string, Record<string, Operation>>;
  readonly components: {
    schemas: Record<string, Schema>;
    responses: Record<string, Operation["responses"][string]>;
  };
  readonly servers: Array<{ url: string }>;
}

let app: TestApp;
let admin: SignedIn;
let document: Document;
let productId: string;

beforeAll(async () => {
  app = await startTestApp();
  admin = await signInAdmin(app);
  productId = (await createProducts(app, admin, [{ stock: 0 }]))[0]?.id ?? "";
  document = (await (await fetch(`${app.httpUrl}/openapi.json`)).json()) as Document;
});

afterAll(async () => {
  closeGrpcClients();
  await app?.stop();
  await app?.database.drop();
});

const operations = () =>
  Object.entries(document.paths).flatMap(([path, item]) =>
    Object.entries(item).map(([method, operation]) => ({ path, method: method.toUpperCase(), operation })),
  );

describe("/openapi.json", () => {
  it("is a valid OpenAPI 3.1 document", async () => {
    const result = await validate(structuredClone(document) as never);
    expect(result).toMatchObject({ valid: true });
    expect((document as unknown as { openapi: string }).openapi).toBe("3.1.0");
  });

  it("lists every RPC of the access policy, with who may call it, and nothing else", () => {
    const rpcs = operations()
      .map(({ operation }) => operation["x-shopfloor-rpc"])
      .filter((rpc): rpc is string => rpc !== undefined);
    expect(rpcs.sort()).toEqual(Object.keys(ACCESS_POLICY).sort());
    for (const { path, operation } of operations()) {
      const rpc = operation["x-shopfloor-rpc"];
      if (!rpc) continue;
      expect(path).toBe(`/${rpc}`);
      const access = ACCESS_POLICY[rpc];
      expect(operation.description).toMatch(/\*\*Who may call:\*\*/);
      if (access === "public") expect(operation.security).toEqual([]);
      else expect(operation.security).toEqual([{ bearerAuth: [] }]);
      if (Array.isArray(access)) expect(operation["x-shopfloor-roles"]).toEqual(access);
    }
  });

  it("describes every RPC, message and field from its proto comment", () => {
    const missing: string[] = [];
    for (const { path, operation } of operations()) if (!operation.description) missing.push(path);
    for (const [name, schema] of Object.entries(document.components.schemas)) {
      if (!schema.description) missing.push(name);
      for (const [field, property] of Object.entries((schema.properties ?? {}) as Record<string, Schema>))
        if (!property.description) missing.push(`${name}.${field}`);
    }
    // A proto comment is missing for each of these: write one (it is the reference people read).
    expect(missing).toEqual([]);
  });

  it("documents the plain routes and names this server", () => {
    for (const path of [
      "/oauth/token",
      "/healthz",
      "/readyz",
      "/.well-known/jwks.json",
      "/openapi.json",
      "/docs",
      "/metrics",
      // The seed's login and REST paths (seeds/000).
      "/login",
      "/v1/sales-webhook",
      "/v1/get-all-vehicles-for-manufacturing/{brand}",
      "/v1/update-state-webhook/{purchase_id}",
    ])
      expect(document.paths).toHaveProperty([path]);
    expect(document.servers).toEqual([{ url: app.httpUrl.replace("localhost", "127.0.0.1") }]);
  });

  it("describes the JSON mapping: lowerCamel names, int64 as string, enums by name, RFC 3339, field masks", () => {
    const schemas = document.components.schemas;
    const product = schemas["shopfloor.catalog.v1.Product"] as { properties: Record<string, Schema> };
    expect(Object.keys(product.properties)).toEqual(expect.arrayContaining(["stockQuantity", "createTime"]));
    expect(product.properties.createTime).toMatchObject({ type: "string", format: "date-time" });
    expect(product.properties.description?.description).toMatch(/5,000/);
    const money = schemas["shopfloor.common.v1.Money"] as { properties: Record<string, Schema> };
    expect(money.properties.amountMinor).toMatchObject({ type: "string", format: "int64" });
    const update = schemas["shopfloor.catalog.v1.UpdateProductRequest"] as {
      properties: Record<string, Schema>;
    };
    expect(update.properties.updateMask).toMatchObject({ type: "string" });
    const order = schemas["shopfloor.ordering.v1.Order"] as { properties: Record<string, Schema> };
    expect(order.properties.status).toMatchObject({ type: "string" });
    expect((order.properties.status as { enum: string[] }).enum).toContain("ORDER_STATUS_PENDING");
    expect(document.paths["/shopfloor.ordering.v1.OrderService/WatchOrder"]?.post?.description).toMatch(
      /Server streaming/,
    );
  });
});

describe("every path, called", () => {
  const ajv = new Ajv2020({ strict: false, allErrors: true });
  addFormats.default(ajv);
  for (const format of ["int32", "int64", "uint64"]) ajv.addFormat(format, true);
  const compiled = new Map<string, ValidateFunction>();
  const validatorFor = (schema: Schema) => {
    const key = JSON.stringify(schema);
    let fn = compiled.get(key);
    if (!fn) {
      if (!ajv.getSchema("openapi"))
        ajv.addSchema({ $id: "openapi", components: document.components }, "openapi");
      fn = ajv.compile(JSON.parse(key.replaceAll('"#/components/', '"openapi#/components/')) as Schema);
      compiled.set(key, fn);
    }
    return fn;
  };
  const expectValid = (schema: Schema, value: unknown, where: string) => {
    const fn = validatorFor(schema);
    if (!fn(value)) throw new Error(`${where}: ${ajv.errorsText(fn.errors)}\n${JSON.stringify(value)}`);
  };

  const resolve = (schema: Schema): Schema => {
    const ref = schema.$ref;
    if (typeof ref !== "string") return schema;
    return resolve(document.components.schemas[ref.replace("#/components/schemas/", "")] ?? {});
  };

  /** A request value from a schema: every field filled, ids pointing at a real product where one fits. */
  const example = (schema: Schema, name: string, depth: number): unknown => {
    const s = resolve(schema);
    if (Array.isArray(s.allOf)) return example(s.allOf[0] as Schema, name, depth);
    if (Array.isArray(s.enum)) return s.enum.find((v) => !String(v).endsWith("_UNSPECIFIED")) ?? s.enum[0];
    const type = Array.isArray(s.type) ? s.type[0] : s.type;
    if (type === "object") {
      if (depth > 3 || !s.properties) return {};
      return Object.fromEntries(
        Object.entries(s.properties as Record<string, Schema>).map(([key, value]) => [
          key,
          example(value, key, depth + 1),
        ]),
      );
    }
    if (type === "array") return depth > 3 ? [] : [example(s.items as Schema, name, depth + 1)];
    if (type === "integer") return 1;
    if (type === "number") return 1.5;
    if (type === "boolean") return false;
    if (s.format === "date-time") return new Date().toISOString();
    if (s.format === "int64" || s.format === "uint64") return "100";
    if (/^(id|productId)$/.test(name)) return productId;
    if (name === "updateMask") return "name";
    if (name === "currencyCode") return "EUR";
    if (name === "email") return "someone@example.com";
    return `example ${name}`;
  };

  const answerSchema = (operation: Operation, status: number, contentType: string) => {
    const documented = operation.responses[String(status)] ?? operation.responses.default;
    expect(documented, `status ${status} is documented`).toBeDefined();
    const response = documented?.$ref
      ? document.components.responses[documented.$ref.replace("#/components/responses/", "")]
      : documented;
    const media = Object.entries(response?.content ?? {}).find(([type]) => contentType.startsWith(type));
    expect(media, `content type ${contentType} is documented for ${status}`).toBeDefined();
    return media?.[1].schema ?? {};
  };

  it("answers every documented RPC and route as documented, successes and errors alike", async () => {
    let calls = 0;
    const statuses = new Set<number>();
    for (const { path, method, operation } of operations()) {
      const bodySchema = Object.entries(operation.requestBody?.content ?? {})[0];
      const bodies = bodySchema ? [{}, example(bodySchema[1].schema, "", 0)] : [undefined];
      for (const body of bodies) {
        const where = `${method} ${path} ${JSON.stringify(body)}`;
        const headers: Record<string, string> = {
          ...(operation.security?.length ? (admin.call.headers as Record<string, string>) : {}),
        };
        let payload: string | Uint8Array | undefined;
        if (bodySchema?.[0] === "application/json") payload = JSON.stringify(body);
        if (bodySchema?.[0] === "application/connect+json") payload = envelope(JSON.stringify(body));
        if (bodySchema?.[0] === "application/x-www-form-urlencoded")
          payload = new URLSearchParams({
            ...(body as Record<string, string>),
            username: TEST_ADMIN.email,
          }).toString();
        if (bodySchema) headers["content-type"] = bodySchema[0];
        // Path parameters (the seed's REST paths) get a value that names nothing: the answer is an error.
        const url = path.replace(/\{[a-z_]+\}/g, "nothing-here");
        const res = await fetch(`${app.httpUrl}${url}`, { method, headers, body: payload });
        calls++;
        statuses.add(res.status);
        const contentType = res.headers.get("content-type") ?? "";
        const schema = answerSchema(operation, res.status, contentType);
        if (operation["x-shopfloor-streaming"]) {
          for (const frame of frames(new Uint8Array(await res.arrayBuffer()))) {
            const value = JSON.parse(frame.text) as { error?: unknown };
            if (frame.end) {
              if (value.error) expectValid({ $ref: "#/components/schemas/ConnectError" }, value.error, where);
            } else expectValid(schema, value, where);
          }
        } else if (contentType.startsWith("application/json")) {
          expectValid(schema, await res.json(), where);
        } else {
          expect(typeof (await res.text())).toBe("string");
        }
      }
    }
    expect(calls).toBeGreaterThan(Object.keys(ACCESS_POLICY).length);
    // Both successes and errors were checked against their schemas.
    expect([...statuses].some((s) => s === 200)).toBe(true);
    expect([...statuses].some((s) => s >= 400)).toBe(true);
  });
});

/** One Connect streaming request envelope (flags 0, big-endian length, the JSON message). */
function envelope(json: string): Uint8Array {
  const data = new TextEncoder().encode(json);
  const out = new Uint8Array(5 + data.length);
  new DataView(out.buffer).setUint32(1, data.length);
  out.set(data, 5);
  return out;
}

function* frames(bytes: Uint8Array): Generator<{ end: boolean; text: string }> {
  let offset = 0;
  while (offset + 5 <= bytes.length) {
    const flags = bytes[offset] ?? 0;
    const length = new DataView(bytes.buffer, bytes.byteOffset + offset + 1, 4).getUint32(0);
    yield {
      end: (flags & 2) === 2,
      text: new TextDecoder().decode(bytes.subarray(offset + 5, offset + 5 + length)),
    };
    offset += 5 + length;
  }
}
