import type { IncomingMessage, ServerResponse } from "node:http";
import {
  create,
  type DescMessage,
  fromJson,
  type JsonValue,
  type MessageShape,
  toJson,
} from "@bufbuild/protobuf";
import {
  Code,
  ConnectError,
  type ContextValues,
  createHandlerContext,
  type HandlerContext,
} from "@connectrpc/connect";
import { codeToHttpStatus } from "@connectrpc/connect/protocol-connect";
import {
  ListVehiclesForManufacturingResponseSchema,
  type ManufacturingService,
  SubmitSaleRequestSchema,
  SubmitSaleResponseSchema,
  UpdatePurchaseStateRequestSchema,
  UpdatePurchaseStateResponseSchema,
} from "../../../gen/shopfloor/manufacturing/v1/manufacturing_pb.js";
import type { InterceptedService } from "../connect/rpc-interceptor.js";
import { type PlainRoute, sendJson } from "./plain-routes.js";

// The seed's REST paths (seeds/000: the FastAPI sales/manufacturing API), kept for partners who integrated
// with it. Each is a thin front of one ManufacturingService RPC, called through the same intercepted
// implementation the Connect and gRPC surfaces serve, so authentication, the access policy, validation, logs,
// metrics and error mapping are the RPC's own. Bodies and answers are the seed's snake_case JSON (proto field
// names); an error answers {"code", "message"} with the HTTP status Connect gives its code.

type Impl = Record<string, (request: unknown, ctx: HandlerContext) => Promise<unknown>>;

export interface SeedRoutesOptions {
  readonly service: InterceptedService<typeof ManufacturingService>;
  readonly maxBodyBytes: number;
  readonly shutdownSignal: AbortSignal;
  /** The caller's address and other per-call values the RPC layer expects. */
  readonly contextValues: (req: IncomingMessage) => ContextValues;
}

const JSON_OUT = { useProtoFieldName: true, alwaysEmitImplicit: true } as const;

class BadBody extends Error {}
class TooLarge extends Error {}

async function readJson(req: IncomingMessage, maxBytes: number): Promise<JsonValue> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    // Past the cap the rest is read and dropped, so the client gets its answer instead of a reset socket.
    if (size <= maxBytes) chunks.push(chunk as Buffer);
  }
  if (size > maxBytes) throw new TooLarge(`request body larger than ${maxBytes} bytes`);
  const text = new TextDecoder("utf-8", { fatal: true, ignoreBOM: false });
  try {
    const body = text.decode(Buffer.concat(chunks));
    return body.trim() === "" ? {} : (JSON.parse(body) as JsonValue);
  } catch {
    throw new BadBody("the body must be a JSON object (UTF-8)");
  }
}

function decode<D extends DescMessage>(schema: D, json: JsonValue): MessageShape<D> {
  if (json === null || typeof json !== "object" || Array.isArray(json)) {
    throw new BadBody("the body must be a JSON object");
  }
  try {
    // The seed's bodies carry fields the RPC takes from elsewhere (regional_office comes from the token).
    return fromJson(schema, json, { ignoreUnknownFields: true });
  } catch (error) {
    throw new BadBody(error instanceof Error ? error.message : "the body does not match the request");
  }
}

function sendError(res: ServerResponse, error: unknown): void {
  if (error instanceof TooLarge) {
    sendJson(res, 413, { code: "resource_exhausted", message: error.message });
    return;
  }
  const e =
    error instanceof BadBody
      ? new ConnectError(error.message, Code.InvalidArgument)
      : error instanceof ConnectError
        ? error
        : undefined;
  if (!e) throw error;
  sendJson(res, codeToHttpStatus(e.code), {
    code: codeName(e.code),
    message: e.rawMessage,
  });
}

/** A path segment, decoded; a malformed escape is the caller's mistake. */
function segment(raw: string | undefined): string {
  try {
    return decodeURIComponent(raw ?? "");
  } catch {
    throw new BadBody("the path holds a malformed %-escape");
  }
}

function seedJson(description: string, properties: Record<string, unknown>) {
  return { description, content: { "application/json": { schema: { type: "object", properties } } } };
}

function seedError(description: string) {
  return seedJson(description, { code: { type: "string" }, message: { type: "string" } });
}

/** Connect's snake_case code names ("not_found"), as in its JSON error bodies. */
const codeName = (code: Code): string => Code[code].replace(/([a-z])([A-Z])/g, "$1_$2").toLowerCase();

export function manufacturingSeedRoutes(options: SeedRoutesOptions): PlainRoute[] {
  const { service, maxBodyBytes } = options;
  const impl = service.impl as unknown as Impl;
  const method = (name: string) => {
    const m = service.service.methods.find((x) => x.name === name);
    if (!m) throw new Error(`ManufacturingService has no ${name}`);
    return m;
  };

  /** Runs RPC `name` as the caller of `req` (its bearer token) and answers `status` with the response. */
  async function call<D extends DescMessage>(
    req: IncomingMessage,
    res: ServerResponse,
    name: string,
    request: unknown,
    responseSchema: D,
    status: number,
  ): Promise<void> {
    const m = method(name);
    const requestHeader = new Headers();
    if (req.headers.authorization) requestHeader.set("authorization", req.headers.authorization);
    const requestAbort = new AbortController();
    req.once("close", () => {
      if (!res.writableEnded) requestAbort.abort();
    });
    const ctx = createHandlerContext({
      service: service.service,
      method: m,
      protocolName: "rest",
      requestMethod: req.method ?? "POST",
      url: req.url ?? "/",
      requestHeader,
      requestSignal: requestAbort.signal,
      shutdownSignal: options.shutdownSignal,
      contextValues: options.contextValues(req),
    });
    const fn = impl[m.localName];
    if (!fn) throw new Error(`no implementation of ${name}`);
    // A real message of the method's input, as both transports hand the implementation (the RPC layer walks it).
    const response = await fn(create(m.input, request as never), ctx);
    sendJson(res, status, toJson(responseSchema, create(responseSchema, response as never), JSON_OUT));
  }

  const handle =
    (
      work: (req: IncomingMessage, res: ServerResponse, match: RegExpExecArray) => Promise<void>,
      path: RegExp,
    ) =>
    async (req: IncomingMessage, res: ServerResponse) => {
      const match = path.exec((req.url ?? "/").split("?")[0] ?? "/") as RegExpExecArray;
      try {
        await work(req, res, match);
      } catch (error) {
        sendError(res, error);
      }
    };

  const SALES = /^\/v1\/sales-webhook$/;
  // How /openapi.json describes them: the seed's snake_case JSON, bearer tokens, {"code","message"} errors.
  const errors = {
    "400": seedError("A bad body or field (`invalid_argument`)."),
    "401": seedError("No valid bearer token (`unauthenticated`)."),
    "403": seedError("The caller's role or scope may not do this (`permission_denied`)."),
    "404": seedError("No such purchase that the caller may see (`not_found`)."),
    "412": seedError("An illegal state move (`failed_precondition`)."),
    "413": seedError("The body is larger than MAX_BODY_BYTES (`resource_exhausted`)."),
    "429": seedError("A rate limit (`resource_exhausted`)."),
  };
  const security = [{ bearerAuth: [] }];
  const VEHICLES = /^\/v1\/get-all-vehicles-for-manufacturing\/([^/]+)$/;
  const UPDATE = /^\/v1\/update-state-webhook\/([^/]+)$/;

  return [
    {
      method: "POST",
      path: SALES,
      docPath: "/v1/sales-webhook",
      doc: {
        summary: "Submit a sale (seed path of SubmitSale)",
        description:
          "Regional office. The seed's sales webhook: records a sale and answers 202 with its purchase id at once; " +
          "the purchase is written asynchronously. The same office and external_order_number is one purchase.",
        security,
        requestBody: {
          required: true,
          content: {
            "application/json": {
              schema: {
                type: "object",
                properties: {
                  external_order_number: { type: "string", description: "The office's own order number." },
                  brand: { type: "string", description: 'Brand code, e.g. "skoda".' },
                  car_model: { type: "string", description: 'One of the brand\'s models, e.g. "Octavia".' },
                },
              },
            },
          },
        },
        responses: {
          "202": seedJson("Accepted: the purchase id (the same for every repeat).", {
            purchase_id: { type: "string" },
            duplicate: { type: "boolean" },
          }),
          ...errors,
        },
      },
      // 202: the sale is accepted and its purchase written asynchronously, as the seed intended.
      handler: handle(async (req, res) => {
        const request = decode(SubmitSaleRequestSchema, await readJson(req, maxBodyBytes));
        await call(req, res, "SubmitSale", request, SubmitSaleResponseSchema, 202);
      }, SALES),
    },
    {
      method: "GET",
      path: VEHICLES,
      docPath: "/v1/get-all-vehicles-for-manufacturing/{brand}",
      doc: {
        summary: "A brand's purchases not yet in production (seed path of ListVehiclesForManufacturing)",
        description:
          "Manufacturer of the brand. Purchases still PURCHASE_STATE_ORDERED, oldest first, cursor-paged.",
        security,
        parameters: [
          {
            name: "brand",
            in: "path",
            required: true,
            schema: { type: "string" },
            description: "Brand code.",
          },
          {
            name: "page_size",
            in: "query",
            schema: { type: "integer" },
            description: "Default 20, at most 100.",
          },
          { name: "page_token", in: "query", schema: { type: "string" }, description: "next_page_token." },
        ],
        responses: {
          "200": seedJson("One page of purchases.", {
            purchases: { type: "array", items: { type: "object" } },
            next_page_token: { type: "string" },
          }),
          ...errors,
        },
      },
      handler: handle(async (req, res, match) => {
        const query = new URL(req.url ?? "/", "http://localhost").searchParams;
        const pageSize = Number(query.get("page_size") ?? "0");
        const request = {
          brand: segment(match[1]),
          pageSize: Number.isInteger(pageSize) ? pageSize : -1,
          pageToken: query.get("page_token") ?? "",
        };
        await call(
          req,
          res,
          "ListVehiclesForManufacturing",
          request,
          ListVehiclesForManufacturingResponseSchema,
          200,
        );
      }, VEHICLES),
    },
    {
      method: "POST",
      path: UPDATE,
      docPath: "/v1/update-state-webhook/{purchase_id}",
      doc: {
        summary: "Move a purchase to a new state (seed path of UpdatePurchaseState)",
        description:
          'Manufacturer of the purchase\'s brand, or admin. Body {"state": "IN_PRODUCTION"} (a bare state name or ' +
          "its PURCHASE_STATE_ form); an illegal move is 412.",
        security,
        parameters: [{ name: "purchase_id", in: "path", required: true, schema: { type: "string" } }],
        requestBody: {
          required: true,
          content: {
            "application/json": {
              schema: {
                type: "object",
                properties: { state: { type: "string", description: "The new state." } },
              },
            },
          },
        },
        responses: {
          "200": seedJson("The purchase as it is now.", { purchase: { type: "object" } }),
          ...errors,
        },
      },
      handler: handle(async (req, res, match) => {
        const body = await readJson(req, maxBodyBytes);
        // The seed sends bare state names ("IN_PRODUCTION"); the proto's JSON names are PURCHASE_STATE_*.
        const state =
          body !== null && typeof body === "object" && !Array.isArray(body) ? body.state : undefined;
        const json =
          typeof state === "string" && !state.startsWith("PURCHASE_STATE_")
            ? { ...(body as object), state: `PURCHASE_STATE_${state.toUpperCase()}` }
            : body;
        const request = decode(UpdatePurchaseStateRequestSchema, json as JsonValue);
        request.purchaseId = segment(match[1]);
        await call(req, res, "UpdatePurchaseState", request, UpdatePurchaseStateResponseSchema, 200);
      }, UPDATE),
    },
  ];
}
