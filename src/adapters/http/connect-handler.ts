import { isUtf8 } from "node:buffer";
import type { IncomingMessage, ServerResponse } from "node:http";
import { brotliDecompress, gunzip } from "node:zlib";
import type { DescMessage } from "@bufbuild/protobuf";
import {
  Code,
  ConnectError,
  type ConnectRouterOptions,
  type ContextValues,
  createConnectRouter,
} from "@connectrpc/connect";
import type { UniversalHandler } from "@connectrpc/connect/protocol";
import {
  compressionBrotli,
  compressionGzip,
  universalRequestFromNodeRequest,
  universalResponseToNodeResponse,
} from "@connectrpc/connect-node";
import type { FieldViolation } from "../../domain/shared/errors.js";
import type { InterceptedService } from "../connect/rpc-interceptor.js";
import { decodingFindingsKey } from "../rpc/decoding-findings.js";
import { canHoldEnums, unknownEnumNames } from "../rpc/enum-values.js";

// connect-node's adapter, with one addition: a unary Connect JSON body is read here first (within the size limit),
// so that what Connect's JSON reader would smooth over is seen — invalid UTF-8 (it would become U+FFFD) and enum
// names the contract lacks (they would become the default). Findings go to the RPC layer, which refuses the call
// as INVALID_ARGUMENT before any handler runs; the bytes go on to Connect's reader unchanged.

export interface ConnectHandlerOptions {
  readonly services: readonly InterceptedService[];
  readonly readMaxBytes: number;
  /** How Connect JSON is written (the server emits zero values: `jsonOptions.alwaysEmitImplicit`). */
  readonly jsonOptions?: ConnectRouterOptions["jsonOptions"];
  readonly shutdownSignal: AbortSignal;
  readonly contextValues: (req: IncomingMessage) => ContextValues;
  /** Requests for paths that are no RPC. */
  readonly fallback: (req: IncomingMessage, res: ServerResponse) => void;
  /** A failure that is no client's doing (the client leaving is not one). */
  readonly onError: (error: unknown) => void;
}

const JSON_TYPE = /^application\/json(?:\s*;\s*charset=utf-?8)?\s*$/i;

export function connectHandler(options: ConnectHandlerOptions) {
  const routerOptions: ConnectRouterOptions = {
    readMaxBytes: options.readMaxBytes,
    ...(options.jsonOptions ? { jsonOptions: options.jsonOptions } : {}),
    shutdownSignal: options.shutdownSignal,
    grpc: false,
    acceptCompression: [compressionGzip, compressionBrotli],
  };
  const router = createConnectRouter(routerOptions);
  for (const { service, impl } of options.services) router.service(service, impl);
  const paths = new Map<string, UniversalHandler>(router.handlers.map((h) => [h.requestPath, h]));
  const unaryInputs = new Map<string, DescMessage>(
    router.handlers
      .filter((h) => h.method.methodKind === "unary")
      .map((h) => [h.requestPath, h.method.input]),
  );

  return (req: IncomingMessage, res: ServerResponse): void => {
    const path = (req.url ?? "").split("?", 2)[0] ?? "";
    const handler = paths.get(path);
    if (!handler) {
      options.fallback(req, res);
      return;
    }
    const values = options.contextValues(req);
    void (async () => {
      const input = unaryInputs.get(path);
      let checked: Checked | undefined;
      if (input && req.method === "POST" && JSON_TYPE.test(req.headers["content-type"] ?? "")) {
        checked = await readJsonBody(req, input, options.readMaxBytes);
      }
      let uReq: ReturnType<typeof universalRequestFromNodeRequest>;
      if (checked && "plain" in checked) {
        values.set(decodingFindingsKey, checked.findings);
        // Given bytes (already decompressed), Connect parses them as it would have parsed the body.
        uReq = universalRequestFromNodeRequest(req, res, checked.plain as never, values);
      } else {
        uReq = universalRequestFromNodeRequest(req, res, undefined, values);
        // What was read, as a body Connect's own reader measures (resource_exhausted) or decompresses.
        if (checked && "unread" in checked) uReq = { ...uReq, body: fromChunks(checked.unread) };
      }
      const uRes = await handler(uReq);
      await universalResponseToNodeResponse(uRes, res);
    })().catch((reason: unknown) => {
      // The client left (mid-upload or before the answer): nobody's bug.
      if (ConnectError.from(reason).code === Code.Aborted || req.destroyed || res.destroyed) {
        if (!res.destroyed) res.destroy();
        return;
      }
      options.onError(reason);
      if (!res.headersSent) {
        res.writeHead(500, { "content-type": "application/json", connection: "close" });
        res.end('{"code":"internal","message":"internal error"}');
      } else res.destroy();
    });
  };
}

type Checked =
  | { readonly plain: Uint8Array; readonly findings: readonly FieldViolation[] }
  /** Bytes read for Connect's own reader to judge: over the size limit, or not decompressible. */
  | { readonly unread: readonly Buffer[] }
  | { readonly notChecked: true };

async function* fromChunks(chunks: readonly Buffer[]): AsyncIterable<Uint8Array> {
  yield* chunks;
}

/**
 * Reads a Connect JSON body and checks it. A body declared too large, or in an encoding Connect would refuse, is
 * left to Connect; one found too large stops being read (the HTTP server closes the connection after the answer).
 */
async function readJsonBody(req: IncomingMessage, input: DescMessage, maxBytes: number): Promise<Checked> {
  const declared = Number(req.headers["content-length"] ?? "0");
  const encoding = (req.headers["content-encoding"] ?? "identity").toLowerCase();
  if (declared > maxBytes || !["identity", "gzip", "br"].includes(encoding)) return { notChecked: true };
  const chunks: Buffer[] = [];
  let size = 0;
  // Leaving the loop early must not destroy the request: the answer still has to go out on its socket.
  for await (const chunk of req.iterator({ destroyOnReturn: false })) {
    size += (chunk as Buffer).length;
    chunks.push(chunk as Buffer);
    if (size > maxBytes) return { unread: chunks };
  }
  const bytes = Buffer.concat(chunks);
  let plain: Buffer;
  try {
    plain = encoding === "identity" ? bytes : await decompress(bytes, encoding, maxBytes);
  } catch {
    return { unread: [bytes] }; // Connect's own decompression reports what is wrong
  }
  if (!isUtf8(plain)) return { plain, findings: [{ field: "body", description: "is not valid UTF-8" }] };
  // Connect parses the JSON again: only a request type with enums is worth parsing here.
  if (!canHoldEnums(input)) return { plain, findings: [] };
  let json: unknown;
  try {
    json = JSON.parse(plain.toString("utf8").replace(/^\uFEFF/, "")); // as TextDecoder would, a BOM is dropped
  } catch {
    return { plain, findings: [] }; // malformed JSON: Connect's reader answers it
  }
  return { plain, findings: unknownEnumNames(input, json) };
}

function decompress(bytes: Buffer, encoding: string, maxBytes: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const done = (error: Error | null, result: Buffer) => (error ? reject(error) : resolve(result));
    if (encoding === "gzip") gunzip(bytes, { maxOutputLength: maxBytes }, done);
    else brotliDecompress(bytes, { maxOutputLength: maxBytes }, done);
  });
}
