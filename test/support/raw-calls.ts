import type { DescMethod, DescService } from "@bufbuild/protobuf";
import { Code, ConnectError } from "@connectrpc/connect";
import { codeFromString, errorFromJson } from "@connectrpc/connect/protocol-connect";
import { findTrailerError } from "@connectrpc/connect/protocol-grpc";
import * as grpc from "@grpc/grpc-js";
import { BadRequestSchema } from "../../gen/shopfloor/common/v1/common_pb.js";
import type { Endpoints } from "./clients.js";

// Requests as bytes, on each of the four surfaces, for what typed clients cannot send: malformed bodies, invalid
// UTF-8, enum numbers the contract lacks, oversized messages, forged tokens. Each answer comes back as its code,
// message and field violations, whatever the surface's framing.

export type RawSurface = "connect-json" | "connect-binary" | "grpc-web" | "grpc";
export const RAW_SURFACES: readonly RawSurface[] = ["connect-json", "connect-binary", "grpc-web", "grpc"];

export interface RawAnswer {
  /** 0 for OK. */
  readonly code: Code | 0;
  readonly message: string;
  /** Field paths of the BadRequest detail, if any. */
  readonly fields: readonly string[];
  /** The decoded response message on OK (grpc and the binary surfaces), else undefined. */
  readonly body?: Uint8Array;
}

export async function rawCall(
  surface: RawSurface,
  app: Endpoints,
  method: DescMethod,
  /** JSON text for connect-json; protobuf bytes for the others. */
  body: Uint8Array | string,
  headers: Record<string, string> = {},
): Promise<RawAnswer> {
  const path = `/${method.parent.typeName}/${method.name}`;
  const bytes = typeof body === "string" ? Buffer.from(body, "utf8") : Buffer.from(body);
  if (surface === "grpc") return grpcRaw(app.grpcAddress, method.parent, path, bytes, headers);
  if (surface === "grpc-web") {
    const frame = Buffer.alloc(5 + bytes.length);
    frame.writeUInt32BE(bytes.length, 1);
    bytes.copy(frame, 5);
    const res = await fetch(`${app.httpUrl}${path}`, {
      method: "POST",
      headers: { "content-type": "application/grpc-web+proto", "x-grpc-web": "1", ...headers },
      body: frame,
    });
    const data = Buffer.from(await res.arrayBuffer());
    let status = res.headers.get("grpc-status");
    let message = res.headers.get("grpc-message") ?? "";
    let details = res.headers.get("grpc-status-details-bin");
    let payload: Uint8Array | undefined;
    for (let at = 0; at + 5 <= data.length; ) {
      const flag = data[at] ?? 0;
      const length = data.readUInt32BE(at + 1);
      const chunk = data.subarray(at + 5, at + 5 + length);
      if (flag & 0x80) {
        for (const line of chunk.toString("utf8").split("\r\n")) {
          const [key, ...rest] = line.split(":");
          const value = rest.join(":").trim();
          if (key?.toLowerCase() === "grpc-status") status = value;
          if (key?.toLowerCase() === "grpc-message") message = value;
          if (key?.toLowerCase() === "grpc-status-details-bin") details = value;
        }
      } else payload = chunk;
      at += 5 + length;
    }
    return {
      code: Number(status ?? Code.Unknown) as Code,
      message: decodeURIComponent(message),
      fields: grpcFields(status ?? "2", details ?? undefined),
      body: payload,
    };
  }
  const res = await fetch(`${app.httpUrl}${path}`, {
    method: "POST",
    headers: {
      "content-type": surface === "connect-json" ? "application/json" : "application/proto",
      ...headers,
    },
    body: bytes,
  });
  const data = Buffer.from(await res.arrayBuffer());
  if (res.status === 200) return { code: 0, message: "", fields: [], body: data };
  const json = JSON.parse(data.toString("utf8")) as { code: string; message?: string };
  return {
    code: codeFromString(json.code) ?? Code.Unknown,
    message: json.message ?? "",
    fields: fieldsOfError(
      errorFromJson(json as never, undefined, new ConnectError("unreadable", Code.Unknown)),
    ),
  };
}

/** Field paths of the BadRequest detail in a gRPC status (grpc-status-details-bin, base64 or raw). */
function grpcFields(code: string | number, details: string | Buffer | undefined): string[] {
  if (!details) return [];
  const trailer = new Headers({
    "grpc-status": String(code),
    "grpc-status-details-bin": Buffer.isBuffer(details) ? details.toString("base64") : details,
  });
  return fieldsOfError(findTrailerError(trailer));
}

const fieldsOfError = (error: ConnectError | undefined): string[] =>
  error?.findDetails(BadRequestSchema).flatMap((d) => d.fieldViolations.map((v) => v.field)) ?? [];

const clients = new Map<string, grpc.Client>();

function grpcRaw(
  address: string,
  service: DescService,
  path: string,
  bytes: Buffer,
  headers: Record<string, string>,
): Promise<RawAnswer> {
  let client = clients.get(address);
  if (!client) {
    client = new grpc.Client(address, grpc.credentials.createInsecure());
    clients.set(address, client);
  }
  const metadata = new grpc.Metadata();
  for (const [key, value] of Object.entries(headers)) metadata.set(key, value);
  void service;
  return new Promise((resolve) => {
    client.makeUnaryRequest(
      path,
      (b: Buffer) => b,
      (b: Buffer) => b,
      bytes,
      metadata,
      (error: grpc.ServiceError | null, response?: Buffer) => {
        if (!error) return resolve({ code: 0, message: "", fields: [], body: response });
        const details = error.metadata?.get("grpc-status-details-bin")[0];
        resolve({
          code: error.code as number as Code,
          message: error.details,
          fields: grpcFields(error.code, Buffer.isBuffer(details) ? details : undefined),
        });
      },
    );
  });
}

export function closeRawClients(): void {
  for (const client of clients.values()) client.close();
  clients.clear();
}
