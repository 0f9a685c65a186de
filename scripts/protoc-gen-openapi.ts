import {
  type AnyDesc,
  create,
  createFileRegistry,
  type DescEnum,
  type DescField,
  type DescMessage,
  type DescMethod,
  type DescService,
  ScalarType,
} from "@bufbuild/protobuf";
import {
  type CodeGeneratorRequest,
  CodeGeneratorResponse_Feature,
  CodeGeneratorResponseSchema,
  FileDescriptorSetSchema,
} from "@bufbuild/protobuf/wkt";
import { getComments, runNodeJs } from "@bufbuild/protoplugin";

// protoc-gen-openapi: the OpenAPI 3.1 document of every service in the protos, in Connect's JSON mapping,
// written to gen/openapi.json by `npm run generate` (buf.gen.yaml). Generated, never hand-written, so it cannot
// drift from the contracts: a new service's RPCs appear with their comments as soon as its .proto exists.
// Who may call each RPC is added when the document is served, from the access policy (src/adapters/http/
// openapi-document.ts); the plain HTTP routes are added there too, from the routes' own declarations.

type Schema = Record<string, unknown>;

/** Connect's HTTP status for each error code (connectrpc.com/docs/protocol, "Error Codes"). */
const CONNECT_ERROR_STATUS: ReadonlyArray<readonly [string, number]> = [
  ["canceled", 499],
  ["unknown", 500],
  ["invalid_argument", 400],
  ["deadline_exceeded", 504],
  ["not_found", 404],
  ["already_exists", 409],
  ["permission_denied", 403],
  ["resource_exhausted", 429],
  ["failed_precondition", 400],
  ["aborted", 409],
  ["out_of_range", 400],
  ["unimplemented", 501],
  ["internal", 500],
  ["unavailable", 503],
  ["data_loss", 500],
  ["unauthenticated", 401],
];

function generateOpenApi(request: CodeGeneratorRequest): Record<string, unknown> {
  const registry = createFileRegistry(create(FileDescriptorSetSchema, { file: request.protoFile }));
  const schemas: Record<string, Schema> = {};
  const paths: Record<string, unknown> = {};
  const tags: Array<{ name: string; description?: string }> = [];

  const ref = (message: DescMessage): Schema => {
    const wellKnown = wellKnownSchema(message);
    if (wellKnown) return wellKnown;
    if (!(message.typeName in schemas)) {
      schemas[message.typeName] = {}; // reserved first: messages may refer to themselves
      schemas[message.typeName] = messageSchema(message);
    }
    return { $ref: `#/components/schemas/${message.typeName}` };
  };

  const enumSchema = (e: DescEnum): Schema => {
    const values = e.values.map((v) => `- \`${v.name}\`${describe(v) ? `: ${describe(v)}` : ""}`);
    return withDescription({ type: "string", enum: e.values.map((v) => v.name) }, [
      describe(e),
      values.join("\n"),
    ]);
  };

  const singular = (field: DescField, kind: "scalar" | "enum" | "message"): Schema => {
    if (kind === "enum" && field.enum) return enumSchema(field.enum);
    if (kind === "message" && field.message) return ref(field.message);
    return scalarSchema(field.scalar ?? ScalarType.STRING);
  };

  const fieldSchema = (field: DescField): Schema => {
    switch (field.fieldKind) {
      case "scalar":
        return scalarSchema(field.scalar);
      case "enum":
        return enumSchema(field.enum);
      case "message":
        return ref(field.message);
      case "list":
        return {
          type: "array",
          items:
            field.listKind === "scalar"
              ? scalarSchema(field.scalar)
              : field.listKind === "enum"
                ? enumSchema(field.enum)
                : ref(field.message),
        };
      case "map":
        return {
          type: "object",
          description: `Keys: ${ScalarType[field.mapKey].toLowerCase()}.`,
          additionalProperties: singular(field, field.mapKind),
        };
    }
  };

  const messageSchema = (message: DescMessage): Schema => {
    const properties: Record<string, Schema> = {};
    for (const field of message.fields) {
      const schema = fieldSchema(field);
      const notes: string[] = [];
      if (field.oneof) notes.push(`One of \`${field.oneof.fields.map((f) => f.jsonName).join("`, `")}\`.`);
      else if (field.presence !== 2 /* IMPLICIT */ && field.fieldKind !== "message")
        notes.push("Optional: absent when not set.");
      properties[field.jsonName] = withDescription("$ref" in schema ? { allOf: [schema] } : schema, [
        describe(field),
        ...notes,
      ]);
    }
    return withDescription(
      {
        type: "object",
        properties,
        // Fields the contract lacks are never sent; the test suite holds the server to this.
        additionalProperties: false,
      },
      [describe(message)],
    );
  };

  const services: DescService[] = [];
  for (const name of request.fileToGenerate) {
    const file = registry.getFile(name);
    if (file) services.push(...file.services);
  }
  for (const service of services) {
    tags.push({ name: service.typeName, ...optional("description", describe(service)) });
    for (const method of service.methods) {
      paths[`/${service.typeName}/${method.name}`] = { post: operation(method, ref) };
    }
  }

  return {
    openapi: "3.1.0",
    info: {
      title: "Shopfloor API",
      version: "v1",
      description: [
        "Every RPC is served over Connect (this document: HTTP POST with a JSON body), Connect binary, gRPC-Web",
        "and gRPC (its own port, with server reflection). Field names are lowerCamelCase, 64-bit integers are",
        "strings, enums travel by name, timestamps are RFC 3339 and field masks are comma-separated paths.",
        "Answers carry every field, zero values included; requests may leave any field out (absent is zero).",
        "Errors are the Connect error body (`ConnectError`) with the HTTP status of its code.",
      ].join(" "),
    },
    tags,
    paths,
    components: {
      schemas: {
        ...schemas,
        ConnectError: {
          type: "object",
          description: [
            "The Connect error body. HTTP status by code:",
            ...CONNECT_ERROR_STATUS.map(([code, status]) => `- \`${code}\`: ${status}`),
          ].join("\n"),
          required: ["code"],
          properties: {
            code: {
              type: "string",
              description: "The error code, the same on every surface (gRPC status names, in snake case).",
              enum: CONNECT_ERROR_STATUS.map(([code]) => code),
            },
            message: { type: "string", description: "What went wrong, for people; never a stack trace." },
            details: {
              type: "array",
              description:
                "Typed details, e.g. `shopfloor.common.v1.BadRequest` listing every invalid field of an `invalid_argument`.",
              items: {
                type: "object",
                required: ["type", "value"],
                properties: {
                  type: { type: "string", description: "Full name of the detail's protobuf message." },
                  value: {
                    type: "string",
                    contentEncoding: "base64",
                    description: "The message, binary, base64.",
                  },
                  debug: { description: "The message in JSON, when the server adds it." },
                },
              },
            },
          },
        },
      },
      responses: {
        ConnectError: {
          description: "An error: the Connect error body, with the HTTP status of its code.",
          content: { "application/json": { schema: { $ref: "#/components/schemas/ConnectError" } } },
        },
      },
      securitySchemes: {
        bearerAuth: {
          type: "http",
          scheme: "bearer",
          bearerFormat: "JWT",
          description:
            "The `accessToken` of `IdentityService/Login` (or `POST /oauth/token`), valid 15 minutes by default.",
        },
      },
    },
  };
}

function operation(method: DescMethod, ref: (m: DescMessage) => Schema): Record<string, unknown> {
  const rpc = `${method.parent.typeName}/${method.name}`;
  const streaming = method.methodKind === "server_streaming";
  const description = [
    describe(method),
    streaming
      ? [
          "**Server streaming.** Not callable as plain JSON: use a Connect client (`application/connect+json`,",
          "enveloped messages, e.g. the generated TypeScript client over `createConnectTransport`), gRPC-Web",
          "(`application/grpc-web+proto` on this path) or gRPC (same path on the gRPC port). The request is one",
          "message; the answer is a stream of the response message below, ending with an end-of-stream frame",
          "that carries the error, if any.",
        ].join(" ")
      : "",
  ];
  return {
    operationId: `${method.parent.name}_${method.name}`,
    summary: method.name,
    tags: [method.parent.typeName],
    ...optional("description", description.filter(Boolean).join("\n\n")),
    // The access policy key: the server replaces it with the roles allowed (src/adapters/http/openapi-document.ts).
    "x-shopfloor-rpc": rpc,
    ...(streaming ? { "x-shopfloor-streaming": "server" } : {}),
    parameters: streaming
      ? []
      : [
          {
            name: "Connect-Protocol-Version",
            in: "header",
            required: false,
            description: "Connect protocol version; `1` when sent. Optional for unary calls.",
            schema: { type: "string", enum: ["1"] },
          },
        ],
    requestBody: {
      required: true,
      content: {
        [streaming ? "application/connect+json" : "application/json"]: { schema: ref(method.input) },
      },
    },
    responses: {
      "200": {
        description: streaming ? "A stream of these messages (Connect envelopes)." : "Success.",
        content: {
          [streaming ? "application/connect+json" : "application/json"]: { schema: ref(method.output) },
        },
      },
      default: { $ref: "#/components/responses/ConnectError" },
    },
  };
}

/** The proto3 JSON mapping of a scalar type. */
function scalarSchema(scalar: ScalarType): Schema {
  switch (scalar) {
    case ScalarType.STRING:
      return { type: "string" };
    case ScalarType.BOOL:
      return { type: "boolean" };
    case ScalarType.BYTES:
      return { type: "string", contentEncoding: "base64" };
    case ScalarType.DOUBLE:
    case ScalarType.FLOAT:
      return { type: "number" };
    case ScalarType.INT32:
    case ScalarType.SINT32:
    case ScalarType.SFIXED32:
      return { type: "integer", format: "int32" };
    case ScalarType.UINT32:
    case ScalarType.FIXED32:
      return { type: "integer", format: "int32", minimum: 0 };
    case ScalarType.INT64:
    case ScalarType.SINT64:
    case ScalarType.SFIXED64:
      return {
        type: "string",
        format: "int64",
        pattern: "^-?[0-9]+$",
        description: "A 64-bit integer, as a string.",
      };
    case ScalarType.UINT64:
    case ScalarType.FIXED64:
      return {
        type: "string",
        format: "uint64",
        pattern: "^[0-9]+$",
        description: "A 64-bit integer, as a string.",
      };
  }
}

/** Well-known types have their own JSON forms. */
function wellKnownSchema(message: DescMessage): Schema | undefined {
  switch (message.typeName) {
    case "google.protobuf.Timestamp":
      return {
        type: "string",
        format: "date-time",
        description: "RFC 3339, UTC, e.g. `2026-01-31T12:00:00Z`.",
      };
    case "google.protobuf.Duration":
      return { type: "string", pattern: "^-?[0-9]+(\\.[0-9]{1,9})?s$", description: "Seconds, e.g. `1.5s`." };
    case "google.protobuf.FieldMask":
      return {
        type: "string",
        description: "Comma-separated field paths in lowerCamelCase, e.g. `name,price`.",
      };
    case "google.protobuf.Empty":
      return { type: "object", additionalProperties: false };
    case "google.protobuf.Struct":
      return { type: "object" };
    case "google.protobuf.Value":
      return {};
    case "google.protobuf.StringValue":
      return { type: ["string", "null"] };
    case "google.protobuf.BoolValue":
      return { type: ["boolean", "null"] };
    case "google.protobuf.Int32Value":
    case "google.protobuf.UInt32Value":
      return { type: ["integer", "null"] };
    case "google.protobuf.Int64Value":
    case "google.protobuf.UInt64Value":
      return { type: ["string", "null"], pattern: "^-?[0-9]+$" };
    case "google.protobuf.DoubleValue":
    case "google.protobuf.FloatValue":
      return { type: ["number", "null"] };
    default:
      return undefined;
  }
}

/** The leading comment of a descriptor, as Markdown. */
function describe(desc: Exclude<AnyDesc, { kind: "file" }>): string {
  // protoplugin bundles its own copy of @bufbuild/protobuf, whose descriptor types differ only nominally.
  const text = getComments(desc as Parameters<typeof getComments>[0]).leading ?? "";
  return text
    .split("\n")
    .map((line) => line.replace(/^ /, ""))
    .join("\n")
    .trim();
}

function withDescription(schema: Schema, parts: readonly string[]): Schema {
  const own = typeof schema.description === "string" ? [schema.description] : [];
  const text = [...parts, ...own].filter((p) => p.length > 0).join("\n\n");
  return text ? { ...schema, description: text } : schema;
}

function optional(key: string, value: string): Record<string, string> {
  return value ? { [key]: value } : {};
}

runNodeJs({
  name: "protoc-gen-openapi",
  version: "v1",
  run(request) {
    return create(CodeGeneratorResponseSchema, {
      supportedFeatures: BigInt(CodeGeneratorResponse_Feature.PROTO3_OPTIONAL),
      file: [{ name: "openapi.json", content: `${JSON.stringify(generateOpenApi(request), null, 2)}\n` }],
    });
  },
});
