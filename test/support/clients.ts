import { create, type DescService, fromBinary, type MessageInitShape, toBinary } from "@bufbuild/protobuf";
import { type CallOptions, type Client, Code, ConnectError, createClient } from "@connectrpc/connect";
import { findTrailerError } from "@connectrpc/connect/protocol-grpc";
import { createConnectTransport, createGrpcWebTransport } from "@connectrpc/connect-node";
import * as grpc from "@grpc/grpc-js";

/** The surfaces every e2e test drives: Connect JSON over HTTP/1.1, gRPC-Web, and gRPC through grpc-js. */
export type Surface = "connect" | "grpc" | "grpc-web";
export const SURFACES: readonly Surface[] = ["connect", "grpc"];

export interface Endpoints {
  readonly httpUrl: string;
  readonly grpcAddress: string;
}

const grpcClients: grpc.Client[] = [];

/** A typed client of `service` on `surface`. The grpc-js one is adapted to the same interface (errors too). */
export function clientFor<S extends DescService>(
  surface: Surface,
  service: S,
  endpoints: Endpoints,
): Client<S> {
  if (surface === "connect") {
    return createClient(
      service,
      createConnectTransport({ baseUrl: endpoints.httpUrl, httpVersion: "1.1", useBinaryFormat: false }),
    );
  }
  if (surface === "grpc-web") {
    return createClient(service, createGrpcWebTransport({ baseUrl: endpoints.httpUrl, httpVersion: "1.1" }));
  }
  return grpcJsClient(service, endpoints.grpcAddress);
}

export function closeGrpcClients(): void {
  for (const c of grpcClients.splice(0)) c.close();
}

function grpcJsClient<S extends DescService>(service: S, address: string): Client<S> {
  const definition: Record<string, grpc.MethodDefinition<unknown, unknown>> = {};
  for (const method of service.methods) {
    definition[method.localName] = {
      path: `/${service.typeName}/${method.name}`,
      requestStream: false,
      responseStream: method.methodKind === "server_streaming",
      requestSerialize: (m: unknown) => Buffer.from(toBinary(method.input, create(method.input, m as never))),
      requestDeserialize: (b: Buffer) => fromBinary(method.input, b),
      responseSerialize: (m: unknown) => Buffer.from(toBinary(method.output, m as never)),
      responseDeserialize: (b: Buffer) => fromBinary(method.output, b),
    };
  }
  const Ctor = grpc.makeGenericClientConstructor(definition as grpc.ServiceDefinition, service.typeName);
  const client = new Ctor(address, grpc.credentials.createInsecure()) as unknown as Record<
    string,
    (...args: unknown[]) => unknown
  > &
    grpc.Client;
  grpcClients.push(client);

  const adapted: Record<string, unknown> = {};
  for (const method of service.methods) {
    const fn = client[method.localName]?.bind(client);
    if (!fn) continue;
    if (method.methodKind === "unary") {
      adapted[method.localName] = (request: MessageInitShape<typeof method.input>, options?: CallOptions) =>
        new Promise((resolve, reject) => {
          const call = fn(
            request,
            metadataOf(options),
            callOptionsOf(options),
            (err: grpc.ServiceError | null, res: unknown) =>
              err ? reject(toConnectError(err)) : resolve(res),
          ) as grpc.ClientUnaryCall;
          void call;
        });
    } else if (method.methodKind === "server_streaming") {
      adapted[method.localName] = (request: unknown, options?: CallOptions) =>
        (async function* () {
          const call = fn(
            request,
            metadataOf(options),
            callOptionsOf(options),
          ) as grpc.ClientReadableStream<unknown>;
          options?.signal?.addEventListener("abort", () => call.cancel());
          try {
            for await (const message of call) yield message;
          } catch (error) {
            throw toConnectError(error as grpc.ServiceError);
          }
        })();
    }
  }
  return adapted as Client<S>;
}

function metadataOf(options?: CallOptions): grpc.Metadata {
  const metadata = new grpc.Metadata();
  new Headers(options?.headers).forEach((value, key) => {
    metadata.set(key, value);
  });
  return metadata;
}

function callOptionsOf(options?: CallOptions): grpc.CallOptions {
  return options?.timeoutMs ? { deadline: Date.now() + options.timeoutMs } : {};
}

function toConnectError(error: grpc.ServiceError): ConnectError {
  if (typeof error?.code !== "number") return ConnectError.from(error);
  // Error details (e.g. BadRequest) travel in grpc-status-details-bin; Connect's own gRPC code reads them.
  const details = error.metadata?.get("grpc-status-details-bin")[0];
  if (Buffer.isBuffer(details)) {
    const trailer = new Headers({
      "grpc-status": String(error.code),
      "grpc-message": encodeURIComponent(error.details),
      "grpc-status-details-bin": details.toString("base64"),
    });
    const parsed = findTrailerError(trailer);
    if (parsed) return parsed;
  }
  const metadata = new Headers();
  for (const [key, value] of Object.entries(error.metadata?.getMap() ?? {}))
    if (typeof value === "string") metadata.set(key, value);
  return new ConnectError(error.details, error.code as number as Code, metadata, undefined, error);
}

/** Awaits `promise` expecting it to fail with `code`; returns the error for further checks. */
export async function expectCode(promise: Promise<unknown>, code: Code): Promise<ConnectError> {
  try {
    await promise;
  } catch (error) {
    const e = ConnectError.from(error);
    if (e.code !== code) throw new Error(`expected ${Code[code]}, got ${Code[e.code]}: ${e.rawMessage}`);
    return e;
  }
  throw new Error(`expected ${Code[code]}, but the call succeeded`);
}

export const bearer = (token: string): CallOptions => ({ headers: { authorization: `Bearer ${token}` } });
