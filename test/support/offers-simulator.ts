import { type ChildProcess, spawn } from "node:child_process";
import type {
  FaultSwitches,
  SimulatedOffer,
  SimulatorStats,
} from "../../src/adapters/offers/offers-simulator.js";

// The Offers simulator as the tests reach it: over HTTP, whether it runs as its own process
// (`npm run offers-sim`, spawned here) or in-process inside the embedded default.

export interface SimulatorControl {
  faults(switches: FaultSwitches): Promise<void>;
  /** Fixes a product's offers (null: back to evolving from the seed). */
  pin(productId: string, offers: readonly SimulatedOffer[] | null): Promise<void>;
  addProducts(ids: readonly string[]): Promise<void>;
  stats(): Promise<SimulatorStats>;
}

export function simulatorControl(controlUrl: string): SimulatorControl {
  const call = async (method: string, path: string, body?: unknown) => {
    const response = await fetch(controlUrl + path, {
      method,
      headers: { "content-type": "application/json" },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    if (!response.ok) throw new Error(`simulator ${method} ${path}: ${response.status}`);
    return response;
  };
  return {
    faults: async (switches) => void (await call("POST", "/faults", switches)),
    pin: async (productId, offers) =>
      void (await call("PUT", `/products/${encodeURIComponent(productId)}/offers`, offers)),
    addProducts: async (ids) => void (await call("POST", "/products", ids)),
    stats: async () => (await (await call("GET", "/stats")).json()) as SimulatorStats,
  };
}

export interface SimulatorProcess extends SimulatorControl {
  /** OFFERS_BASE_URL for the app. */
  readonly url: string;
  readonly refreshToken: string;
  readonly child: ChildProcess;
  stop(): Promise<void>;
}

/** Runs `npm run offers-sim`'s script as a process of its own on a free port. */
export function startSimulatorProcess(
  options: { tokenTtl?: string; seed?: string } = {},
): Promise<SimulatorProcess> {
  const refreshToken = `rt-${Math.random().toString(36).slice(2)}`;
  const child = spawn(
    process.execPath,
    [
      "--import",
      "tsx",
      "scripts/offers-sim.ts",
      "--port",
      "0",
      "--seed",
      options.seed ?? "tests",
      "--refresh-token",
      refreshToken,
      "--token-ttl",
      options.tokenTtl ?? "5m",
    ],
    { stdio: ["ignore", "pipe", "pipe"] },
  );
  return new Promise((resolve, reject) => {
    let out = "";
    const timer = setTimeout(() => reject(new Error(`offers simulator not ready in 30 s:\n${out}`)), 30_000);
    child.stdout?.on("data", (chunk: Buffer) => {
      out += chunk.toString();
      const line = out.split("\n").find((l) => l.includes('"offers simulator ready"'));
      if (!line) return;
      clearTimeout(timer);
      const ready = JSON.parse(line) as { url: string; control: string };
      resolve({
        ...simulatorControl(ready.control),
        url: ready.url,
        refreshToken,
        child,
        stop: () =>
          new Promise((done) => {
            if (child.exitCode !== null || child.signalCode !== null) return done();
            child.once("exit", () => done());
            child.kill("SIGTERM");
          }),
      });
    });
    child.stderr?.on("data", (chunk: Buffer) => {
      out += chunk.toString();
    });
    child.once("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`offers simulator exited with ${code}:\n${out}`));
    });
  });
}
