import { connect as netConnect } from "node:net";

/** Where the test suites find PostgreSQL and NATS: env first, then this machine's local servers. */
export interface TestServers {
  /** An admin connection URL; each test file creates its own database through it. */
  readonly postgresUrl: string;
  readonly natsUrl: string;
}

export const DEFAULT_POSTGRES_URL = "postgres://postgres@127.0.0.1:5432/postgres";
export const DEFAULT_NATS_URL = "nats://127.0.0.1:4222";

export function reachable(url: string, timeoutMs = 1500): Promise<boolean> {
  const { hostname, port } = new URL(url);
  const defaultPort = url.startsWith("nats") ? 4222 : 5432;
  return new Promise((resolve) => {
    const socket = netConnect({ host: hostname || "127.0.0.1", port: Number(port) || defaultPort });
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once("connect", () => done(true));
    socket.once("error", () => done(false));
  });
}
