import { type ChildProcess, spawn } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { reachable } from "./servers.js";

/** Where the nats-server binary is: NATS_SERVER_BIN, else this machine's package, else the PATH. */
const NATS_SERVER_BIN = process.env.NATS_SERVER_BIN ?? "/usr/sbin/nats-server";

export interface PrivateNatsServer {
  readonly url: string;
  readonly port: number;
  /** Stops the server (SIGTERM, then waits for it to exit); the JetStream store is kept for `start`. */
  stop(): Promise<void>;
  /** Starts it again on the same port with the same store: streams and consumers survive. */
  start(): Promise<void>;
  /** Stops it and deletes its store. */
  dispose(): Promise<void>;
}

/**
 * A `nats-server -js` of its own on a free loopback port, with its store in a temporary directory, so test
 * files never share streams and a test can stop and restart NATS to inject an outage.
 */
export async function startPrivateNatsServer(): Promise<PrivateNatsServer> {
  const storeDir = await mkdtemp(join(tmpdir(), "shopfloor-nats-"));
  const port = await freePort();
  const url = `nats://127.0.0.1:${port}`;
  let child: ChildProcess | undefined;

  const start = async () => {
    if (child) return;
    const proc = spawn(NATS_SERVER_BIN, ["-js", "-a", "127.0.0.1", "-p", String(port), "-sd", storeDir], {
      stdio: ["ignore", "ignore", "pipe"],
    });
    let log = "";
    proc.stderr?.on("data", (chunk: Buffer) => {
      log = (log + chunk.toString()).slice(-4000);
    });
    child = proc;
    const deadline = Date.now() + 10_000;
    while (!(await reachable(url, 200))) {
      if (proc.exitCode !== null) throw new Error(`nats-server exited with ${proc.exitCode}: ${log}`);
      if (Date.now() > deadline) throw new Error(`nats-server did not listen on ${port}: ${log}`);
      await new Promise((r) => setTimeout(r, 25));
    }
  };

  const stop = async () => {
    const proc = child;
    if (!proc) return;
    child = undefined;
    if (proc.exitCode !== null) return;
    const exited = new Promise<void>((resolve) => proc.once("exit", () => resolve()));
    proc.kill("SIGTERM");
    const killTimer = setTimeout(() => proc.kill("SIGKILL"), 5000);
    await exited;
    clearTimeout(killTimer);
  };

  await start();
  return {
    url,
    port,
    start,
    stop,
    async dispose() {
      await stop();
      await rm(storeDir, { recursive: true, force: true });
    },
  };
}

/** A port the OS reports free now; nats-server binds it a moment later (a race we accept in tests). */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      const port = typeof address === "object" && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}
