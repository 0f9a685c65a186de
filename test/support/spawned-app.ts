import { type ChildProcess, spawn } from "node:child_process";
import type { Endpoints } from "./clients.js";

/** Shopfloor started as its own process (`src/app/main.ts`), for tests that signal or kill it. */
export interface SpawnedApp extends Endpoints {
  readonly child: ChildProcess;
}

/**
 * Spawns the app with exactly `env` (plus PATH and HOME) and resolves once its "shopfloor ready" log line
 * names the addresses it listens on (use HTTP_PORT=0 and GRPC_PORT=0 for free ports).
 */
export function spawnApp(env: Record<string, string>): Promise<SpawnedApp> {
  const child = spawn(process.execPath, ["--import", "tsx", "src/app/main.ts"], {
    env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  return new Promise((resolve, reject) => {
    let out = "";
    const timer = setTimeout(() => reject(new Error(`no ready line in 60 s:\n${out}`)), 60_000);
    child.stdout?.on("data", (chunk: Buffer) => {
      out += chunk.toString();
      const line = out.split("\n").find((l) => l.includes('"shopfloor ready"'));
      if (!line) return;
      const ready = JSON.parse(line) as { http: string; grpc: string };
      clearTimeout(timer);
      out = "";
      resolve({ child, httpUrl: ready.http, grpcAddress: ready.grpc });
    });
    child.stderr?.on("data", (chunk: Buffer) => {
      out += chunk.toString();
    });
    child.once("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`exited with ${code} before ready:\n${out}`));
    });
  });
}

/** Sends SIGTERM and resolves with the exit code. */
export function stopWithSigterm(child: ChildProcess): Promise<number | null> {
  return new Promise((resolve) => {
    if (child.exitCode !== null) return resolve(child.exitCode);
    child.once("exit", (code) => resolve(code));
    child.kill("SIGTERM");
  });
}
