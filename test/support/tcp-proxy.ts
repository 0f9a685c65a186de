import { connect, createServer, type Server, type Socket } from "node:net";

/**
 * A loopback TCP proxy to a server, to inject network faults between Shopfloor and it: forward, or blackhole
 * (accept connections and never answer: a stuck or partitioned server), with existing connections cut on demand.
 */
export interface TcpProxy {
  readonly port: number;
  mode: "forward" | "blackhole";
  /** Resets every connection made so far. */
  cutAll(): void;
  /**
   * Stops forwarding on every connection made so far, in both directions, as a partition would (nothing is
   * closed). Resolves once the server has closed each of them from its side.
   */
  freeze(): Promise<void>;
  close(): Promise<void>;
}

export async function startTcpProxy(targetPort: number, targetHost = "127.0.0.1"): Promise<TcpProxy> {
  const sockets = new Set<Socket>();
  const pairs = new Set<{ client: Socket; upstream: Socket; closed: Promise<void> }>();
  const proxy: TcpProxy = {
    port: 0,
    mode: "forward",
    cutAll: () => {
      for (const s of sockets) s.resetAndDestroy();
      sockets.clear();
    },
    freeze: async () => {
      const closing = [...pairs].map(({ client, upstream, closed }) => {
        client.unpipe(upstream);
        upstream.unpipe(client);
        // Read and drop what either side sends, so the server's FIN is still seen.
        client.on("data", () => {}).resume();
        upstream.on("data", () => {}).resume();
        return closed;
      });
      await Promise.all(closing);
    },
    close: () =>
      new Promise<void>((resolve) => {
        proxy.cutAll();
        server.close(() => resolve());
      }),
  };
  const server: Server = createServer((client) => {
    sockets.add(client);
    client.on("error", () => {});
    client.on("close", () => sockets.delete(client));
    if (proxy.mode === "blackhole") return; // held open, never answered
    const upstream = connect(targetPort, targetHost);
    sockets.add(upstream);
    const pair = {
      client,
      upstream,
      closed: new Promise<void>((resolve) => upstream.once("close", () => resolve())),
    };
    pairs.add(pair);
    upstream.once("close", () => pairs.delete(pair));
    upstream.on("error", () => client.destroy());
    client.on("error", () => upstream.destroy());
    upstream.on("close", () => {
      sockets.delete(upstream);
      client.destroy();
    });
    client.on("close", () => upstream.destroy());
    client.pipe(upstream);
    upstream.pipe(client);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", () => resolve()));
  (proxy as { port: number }).port = (server.address() as { port: number }).port;
  return proxy;
}
