import { create, type DescFile, type DescMethod, fromBinary, toBinary } from "@bufbuild/protobuf";
import { FileDescriptorProtoSchema } from "@bufbuild/protobuf/wkt";
import {
  Code,
  ConnectError,
  createContextValues,
  createHandlerContext,
  type HandlerContext,
} from "@connectrpc/connect";
import { setTrailerStatus } from "@connectrpc/connect/protocol-grpc";
import * as grpc from "@grpc/grpc-js";
import { ReflectionService } from "@grpc/reflection";
import { HealthImplementation } from "grpc-health-check";
import { peerAddressKey } from "../connect/rpc-context.js";
import type { InterceptedService } from "../connect/rpc-interceptor.js";
import { healthFileDescriptor } from "./health-descriptor.js";

// A generic bridge from protobuf-es service descriptors to grpc-js: every method of every service is
// registered with binary (de)serialisation and calls the very implementation object Connect serves, so no
// RPC is implemented twice and the interceptor chain (auth, logging, errors) is the same on both surfaces.

export interface GrpcServerOptions {
  readonly services: readonly InterceptedService[];
  /** The proto files of the services, for server reflection (grpcurl, Postman); imports are followed. */
  readonly files: readonly DescFile[];
  readonly maxMessageBytes: number;
  readonly limits?: GrpcLimits;
  readonly shutdownSignal: AbortSignal;
}

/** Per-connection limits of the gRPC server (config: GRPC_MAX_CONCURRENT_STREAMS, GRPC_KEEPALIVE_*). */
export interface GrpcLimits {
  /** Calls in flight on one HTTP/2 connection; more wait for a free stream (advertised in SETTINGS). */
  readonly maxConcurrentStreams: number;
  /** The server pings a connection idle this long... */
  readonly keepaliveTimeMs: number;
  /** ...and closes it when the ping is not answered within this (a peer that vanished without a FIN). */
  readonly keepaliveTimeoutMs: number;
}

const DEFAULT_LIMITS: GrpcLimits = {
  maxConcurrentStreams: 100,
  keepaliveTimeMs: 60_000,
  keepaliveTimeoutMs: 20_000,
};

export interface GrpcServer {
  readonly server: grpc.Server;
  readonly health: HealthImplementation;
  /**
   * Stops gracefully: refuses new calls, waits (at most `graceMs`) for this server's own calls in flight, then
   * ends the rest. grpc-js's own graceful shutdown would also wait for grpc.health.v1 Watch streams, which
   * never end by themselves.
   */
  drain(graceMs: number): Promise<void>;
}

/** Calls of our services being handled right now. */
interface CallCount {
  active: number;
}

type AnyImpl = (request: unknown, ctx: HandlerContext) => unknown;

export function createGrpcServer(options: GrpcServerOptions): GrpcServer {
  const limits = options.limits ?? DEFAULT_LIMITS;
  const server = new grpc.Server({
    "grpc.max_receive_message_length": options.maxMessageBytes,
    "grpc.max_send_message_length": 16 * 1024 * 1024,
    // Unset, one connection could open streams without bound, and a vanished peer held its connection for ever.
    "grpc.max_concurrent_streams": limits.maxConcurrentStreams,
    "grpc.keepalive_time_ms": limits.keepaliveTimeMs,
    "grpc.keepalive_timeout_ms": limits.keepaliveTimeoutMs,
  });
  const statuses: Record<string, "SERVING" | "NOT_SERVING"> = { "": "SERVING" };
  const calls: CallCount = { active: 0 };
  for (const { service, impl } of options.services) {
    const definition: Record<string, grpc.MethodDefinition<unknown, unknown>> = {};
    const handlers: grpc.UntypedServiceImplementation = {};
    for (const method of service.methods) {
      const fn = (impl as unknown as Record<string, AnyImpl>)[method.localName];
      if (!fn) throw new Error(`${service.typeName}/${method.name} has no implementation`);
      definition[method.localName] = {
        path: `/${service.typeName}/${method.name}`,
        requestStream: false,
        responseStream: method.methodKind === "server_streaming",
        requestSerialize: (m: unknown) => Buffer.from(toBinary(method.input, m as never)),
        // Decoded in the handler instead: grpc-js answers a throwing deserializer with INTERNAL, but a
        // malformed message is the caller's fault (INVALID_ARGUMENT), as Connect answers malformed JSON.
        requestDeserialize: (b: Buffer) => b,
        responseSerialize: (m: unknown) =>
          Buffer.from(toBinary(method.output, create(method.output, m as never))),
        responseDeserialize: (b: Buffer) => fromBinary(method.output, b),
        originalName: method.localName,
      };
      handlers[method.localName] =
        method.methodKind === "server_streaming"
          ? serverStreamingHandler(method, fn, options.shutdownSignal, calls)
          : unaryHandler(method, fn, options.shutdownSignal, calls);
    }
    server.addService(definition as grpc.ServiceDefinition, handlers);
    statuses[service.typeName] = "SERVING";
  }

  const health = new HealthImplementation(statuses);
  health.addToServer(server);
  // Reflection reads file descriptors from a proto-loader-shaped root: ours, plus grpc.health.v1's, so that
  // every service it lists can also be described (buf curl --list-methods walks them all).
  const reflectionRoot = {
    shopfloor: { fileDescriptorProtos: fileDescriptors(options.files) },
    health: {
      fileDescriptorProtos: [Buffer.from(toBinary(FileDescriptorProtoSchema, healthFileDescriptor))],
    },
  };
  new ReflectionService(reflectionRoot as never).addToServer(server);
  return {
    server,
    health,
    async drain(graceMs) {
      server.tryShutdown(() => {});
      const deadline = Date.now() + graceMs;
      while (calls.active > 0 && Date.now() < deadline)
        await new Promise((resolve) => setTimeout(resolve, 20));
      server.forceShutdown();
    },
  };
}

function contextFor(
  method: DescMethod,
  call: grpc.ServerUnaryCall<unknown, unknown> | grpc.ServerWritableStream<unknown, unknown>,
  shutdownSignal: AbortSignal,
) {
  const requestHeader = new Headers();
  for (const [key, value] of Object.entries(call.metadata.getMap())) {
    if (!key.endsWith("-bin")) requestHeader.append(key, String(value));
  }
  const deadline = call.getDeadline();
  const started = Date.now();
  const timeoutMs =
    deadline instanceof Date
      ? deadline.getTime() - Date.now()
      : Number.isFinite(deadline)
        ? deadline - Date.now()
        : undefined;
  const requestAbort = new AbortController();
  // grpc-js cancels the call when its deadline passes, too: say so, so the handler sees DEADLINE_EXCEEDED.
  call.on("cancelled", () =>
    requestAbort.abort(
      timeoutMs !== undefined && Date.now() >= started + timeoutMs
        ? new ConnectError("the operation timed out", Code.DeadlineExceeded)
        : undefined,
    ),
  );
  return createHandlerContext({
    service: method.parent,
    method,
    protocolName: "grpc",
    requestMethod: "POST",
    url: `/${method.parent.typeName}/${method.name}`,
    requestHeader,
    requestSignal: requestAbort.signal,
    shutdownSignal,
    contextValues: createContextValues().set(peerAddressKey, peerHost(call.getPeer())),
    // A deadline already past still counts (0 aborts at once): such work must not start.
    ...(timeoutMs !== undefined ? { timeoutMs: Math.max(0, timeoutMs) } : {}),
  });
}

/** "ipv4:127.0.0.1:5555" or "ipv6:[::1]:5555" -> the host part. */
function peerHost(peer: string): string | undefined {
  const m = /^(?:ipv4:|ipv6:)?\[?([^\]]+?)\]?:\d+$/.exec(peer);
  return m?.[1];
}

function headersToMetadata(headers: Headers, into = new grpc.Metadata()): grpc.Metadata {
  headers.forEach((value, key) => {
    if (key.endsWith("-bin")) into.set(key, Buffer.from(value, "base64"));
    else into.set(key, value);
  });
  return into;
}

/** A ConnectError as a grpc-js status, with the same grpc-status-details-bin the Connect gRPC protocol sends. */
function toStatus(error: unknown, ctx: HandlerContext): grpc.StatusObject {
  const connectError =
    error instanceof ConnectError ? error : new ConnectError("internal error", Code.Internal);
  const trailer = new Headers();
  setTrailerStatus(trailer, connectError);
  const metadata = headersToMetadata(ctx.responseTrailer);
  // The error's own metadata (e.g. retry-after on RESOURCE_EXHAUSTED) travels as trailers, as in connect-node.
  headersToMetadata(connectError.metadata, metadata);
  const details = trailer.get("grpc-status-details-bin");
  if (details) metadata.set("grpc-status-details-bin", Buffer.from(details, "base64"));
  return { code: connectError.code as number as grpc.status, details: connectError.rawMessage, metadata };
}

function unaryHandler(
  method: DescMethod,
  fn: AnyImpl,
  shutdownSignal: AbortSignal,
  calls: CallCount,
): grpc.handleUnaryCall<unknown, unknown> {
  return (call, callback) => {
    const ctx = contextFor(method, call, shutdownSignal);
    calls.active++;
    Promise.resolve()
      .then(() => fn(decodeRequest(method, call.request as Buffer), ctx))
      .then(
        (response) => {
          call.sendMetadata(headersToMetadata(ctx.responseHeader));
          callback(null, response, headersToMetadata(ctx.responseTrailer));
        },
        (error: unknown) => {
          call.sendMetadata(headersToMetadata(ctx.responseHeader));
          callback(toStatus(error, ctx));
        },
      )
      .finally(() => {
        calls.active--;
        ctx.abort();
      });
  };
}

function serverStreamingHandler(
  method: DescMethod,
  fn: AnyImpl,
  shutdownSignal: AbortSignal,
  calls: CallCount,
): grpc.handleServerStreamingCall<unknown, unknown> {
  return (call) => {
    const ctx = contextFor(method, call, shutdownSignal);
    calls.active++;
    void (async () => {
      let headerSent = false;
      const sendHeader = () => {
        if (!headerSent) call.sendMetadata(headersToMetadata(ctx.responseHeader));
        headerSent = true;
      };
      try {
        const request = decodeRequest(method, call.request as Buffer);
        for await (const message of fn(request, ctx) as AsyncIterable<unknown>) {
          if (call.cancelled) break;
          sendHeader();
          if (!call.write(message)) await drainedOrCancelled(call);
        }
        sendHeader();
        call.end(headersToMetadata(ctx.responseTrailer));
      } catch (error) {
        sendHeader();
        call.emit("error", toStatus(error, ctx));
      } finally {
        calls.active--;
        ctx.abort();
      }
    })();
  };
}

/** Waits for a full write buffer to drain, or for the client to leave (else a gone client would park us). */
function drainedOrCancelled(call: grpc.ServerWritableStream<unknown, unknown>): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      call.off("drain", done);
      call.off("cancelled", done);
      resolve();
    };
    call.once("drain", done);
    call.once("cancelled", done);
  });
}

function decodeRequest(method: DescMethod, bytes: Buffer): unknown {
  try {
    return fromBinary(method.input, bytes);
  } catch {
    throw new ConnectError(`malformed ${method.input.typeName} message`, Code.InvalidArgument);
  }
}

function fileDescriptors(files: readonly DescFile[]): Buffer[] {
  const seen = new Map<string, DescFile>();
  const visit = (file: DescFile) => {
    if (seen.has(file.name)) return;
    seen.set(file.name, file);
    for (const dep of file.dependencies) visit(dep);
  };
  for (const file of files) visit(file);
  return [...seen.values()].map((file) => Buffer.from(toBinary(FileDescriptorProtoSchema, file.proto)));
}
