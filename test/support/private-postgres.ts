import { type ChildProcess, execFile, spawn } from "node:child_process";
import { chown, mkdtemp, rm } from "node:fs/promises";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { reachable } from "./servers.js";

// A PostgreSQL server of a test's own, on a free loopback port with its data in a temporary directory, so a
// fault test can stop and restart it without touching the shared server on 5432 that other test files use.

const BIN = process.env.POSTGRES_BIN_DIR ?? "/usr/lib/postgresql/15/bin";
const run = promisify(execFile);

export interface PrivatePostgres {
  /** postgres://postgres@127.0.0.1:<port>/postgres */
  readonly url: string;
  readonly port: number;
  /** Stops the server (fast shutdown: sessions are ended), keeping its data for `start`. */
  stop(): Promise<void>;
  /** Starts it again on the same port and data. */
  start(): Promise<void>;
  /** Stops it and deletes its data. */
  dispose(): Promise<void>;
}

/** PostgreSQL refuses to run as root: as root, run its binaries as the `postgres` user. */
function asServerUser(command: string, args: string[]): [string, string[]] {
  if (process.getuid?.() !== 0) return [command, args];
  return ["setpriv", ["--reuid=postgres", "--regid=postgres", "--init-groups", command, ...args]];
}

export async function startPrivatePostgres(): Promise<PrivatePostgres> {
  const dir = await mkdtemp(join(tmpdir(), "shopfloor-pg-"));
  const dataDir = join(dir, "data");
  if (process.getuid?.() === 0) {
    const { stdout } = await run("id", ["-u", "postgres"]);
    const { stdout: gid } = await run("id", ["-g", "postgres"]);
    await chown(dir, Number(stdout.trim()), Number(gid.trim()));
  }
  await run(...asServerUser(`${BIN}/initdb`, ["-D", dataDir, "-U", "postgres", "-A", "trust", "--no-sync"]));
  const port = await freePort();
  const url = `postgres://postgres@127.0.0.1:${port}/postgres`;
  let child: ChildProcess | undefined;

  const start = async () => {
    if (child) return;
    const [command, args] = asServerUser(`${BIN}/postgres`, [
      "-D",
      dataDir,
      "-p",
      String(port),
      "-k",
      dir,
      "-c",
      "listen_addresses=127.0.0.1",
      "-c",
      "fsync=off",
      "-c",
      "max_connections=50",
    ]);
    const proc = spawn(command, args, { stdio: ["ignore", "ignore", "pipe"] });
    let log = "";
    proc.stderr?.on("data", (chunk: Buffer) => {
      log = (log + chunk.toString()).slice(-4000);
    });
    child = proc;
    const deadline = Date.now() + 20_000;
    while (!(await accepting(port))) {
      if (proc.exitCode !== null) throw new Error(`postgres exited with ${proc.exitCode}: ${log}`);
      if (Date.now() > deadline) throw new Error(`postgres did not start on ${port}: ${log}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  };

  const stop = async () => {
    const proc = child;
    if (!proc) return;
    child = undefined;
    if (proc.exitCode !== null) return;
    const exited = new Promise<void>((resolve) => proc.once("exit", () => resolve()));
    proc.kill("SIGINT"); // fast shutdown
    const killTimer = setTimeout(() => proc.kill("SIGKILL"), 10_000);
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
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** Whether the server accepts sessions (it listens a moment before it does). */
async function accepting(port: number): Promise<boolean> {
  if (!(await reachable(`postgres://127.0.0.1:${port}`, 200))) return false;
  try {
    await run(`${BIN}/pg_isready`, ["-h", "127.0.0.1", "-p", String(port), "-U", "postgres", "-t", "1"]);
    return true;
  } catch {
    return false;
  }
}

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
