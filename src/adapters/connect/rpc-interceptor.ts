import type { DescService } from "@bufbuild/protobuf";
import type { HandlerContext, ServiceImpl } from "@connectrpc/connect";

/**
 * Cross-cutting behaviour (auth, logging, error mapping) that wraps every RPC on every surface. Connect's own
 * interceptors only run inside connect-node's router; these wrap the service implementation itself, so the
 * grpc-js server, which serves the same implementation objects, runs exactly the same chain.
 *
 * `next` starts the RPC: for unary RPCs it resolves to the response; for server streams it resolves once the
 * stream is set up, and the stream's own failures pass through `mapStreamError`.
 */
export type RpcInterceptor = (
  ctx: HandlerContext,
  request: unknown,
  next: () => Promise<unknown>,
) => Promise<unknown>;

export interface InterceptedService<S extends DescService = DescService> {
  readonly service: S;
  readonly impl: ServiceImpl<S>;
}

type AnyImpl = (request: unknown, ctx: HandlerContext) => unknown;

function chain(
  interceptors: readonly RpcInterceptor[],
  ctx: HandlerContext,
  request: unknown,
  last: () => Promise<unknown>,
) {
  const call = (i: number): Promise<unknown> => {
    const interceptor = interceptors[i];
    return interceptor ? interceptor(ctx, request, () => call(i + 1)) : last();
  };
  return call(0);
}

/** Returns `impl` with every method wrapped by `interceptors` (the first is outermost). */
export function intercept<S extends DescService>(
  service: S,
  impl: ServiceImpl<S>,
  interceptors: readonly RpcInterceptor[],
  mapStreamError: (error: unknown, ctx: HandlerContext) => unknown,
): InterceptedService<S> {
  const wrapped: Record<string, AnyImpl> = {};
  for (const method of service.methods) {
    const original = (impl as unknown as Record<string, AnyImpl>)[method.localName];
    if (!original) throw new Error(`${service.typeName}/${method.name} has no implementation`);
    const fn = original.bind(impl);
    if (method.methodKind === "unary") {
      wrapped[method.localName] = (request, ctx) =>
        chain(interceptors, ctx, request, async () => fn(request, ctx));
    } else if (method.methodKind === "server_streaming") {
      wrapped[method.localName] = (request, ctx) =>
        (async function* () {
          const stream = (await chain(interceptors, ctx, request, async () =>
            fn(request, ctx),
          )) as AsyncIterable<unknown>;
          try {
            yield* stream;
          } catch (error) {
            throw mapStreamError(error, ctx);
          }
        })();
    } else {
      throw new Error(
        `${service.typeName}/${method.name}: only unary and server-streaming RPCs are supported`,
      );
    }
  }
  return { service, impl: wrapped as unknown as ServiceImpl<S> };
}
