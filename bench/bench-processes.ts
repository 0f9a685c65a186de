import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { LoadResult } from "./load/load-result.js";

// The processes of a bench run: the app (built as `npm start` builds it) and the load and limit processes,
// each its own process so that no client CPU is counted as the app's.

const inputDir = mkdtempSync(join(tmpdir(), "shopfloor-bench-"));
let inputs = 0;

/** Runs bench/load/<script>.ts with `input` and returns the LoadResult it prints. */
export async function runLoad(
  script: string,
  input: unknown,
  env: Record<string, string> = {},
): Promise<LoadResult> {
  const file = join(inputDir, `input-${inputs++}.json`);
  writeFileSync(file, JSON.stringify(input));
  const child = spawn(process.execPath, ["--import", "tsx", `bench/load/${script}.ts`, file], {
    env: { ...process.env, ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "";
  let err = "";
  child.stdout?.on("data", (chunk: Buffer) => (out += chunk.toString()));
  child.stderr?.on("data", (chunk: Buffer) => (err = (err + chunk.toString()).slice(-4000)));
  const code = await new Promise<number | null>((resolve) => child.once("exit", resolve));
  const line = out.trim().split("\n").pop() ?? "";
  if (code !== 0 || !line.startsWith("{")) throw new Error(`${script} exited with ${code}:\n${err}${out}`);
  if (err.trim()) process.stderr.write(`  (${script}: ${err.trim().split("\n")[0]})\n`);
  return JSON.parse(line) as LoadResult;
}

/** A long-lived process that prints one line (its URL, or a JSON ready line) when it is ready. */
export interface Started {
  readonly child: ChildProcess;
  readonly readyLine: string;
}

export function startProcess(
  args: readonly string[],
  env: Record<string, string>,
  isReady: (line: string) => boolean,
): Promise<Started> {
  const child = spawn(process.execPath, [...args], { env, stdio: ["ignore", "pipe", "pipe"] });
  return new Promise((resolve, reject) => {
    let out = "";
    const timer = setTimeout(() => reject(new Error(`not ready in 60 s:\n${out}`)), 60_000);
    const onData = (chunk: Buffer) => {
      out += chunk.toString();
      const line = out.split("\n").find(isReady);
      if (!line) return;
      clearTimeout(timer);
      child.stdout?.off("data", onData);
      child.stdout?.resume();
      resolve({ child, readyLine: line });
    };
    child.stdout?.on("data", onData);
    child.stderr?.on("data", (chunk: Buffer) => (out = (out + chunk.toString()).slice(-8000)));
    child.once("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`exited with ${code} before ready:\n${out}`));
    });
  });
}

export function stopProcess(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null) return resolve();
    child.once("exit", () => resolve());
    child.kill("SIGTERM");
  });
}

/** Builds dist/main.js exactly as `npm start` does. */
export function buildApp(): void {
  execFileSync("npm", ["run", "-s", "build"], { stdio: "inherit" });
}

/** Samples a process's resident memory and CPU time from /proc (Linux). */
export class ProcessSampler {
  private peakRssBytes = 0;
  private timer: NodeJS.Timeout | undefined;
  private cpuAtStart = 0;
  private startedAt = 0;

  constructor(private readonly pid: number) {}

  start(): void {
    this.peakRssBytes = this.rssBytes();
    this.cpuAtStart = this.cpuSeconds();
    this.startedAt = performance.now();
    this.timer = setInterval(() => {
      this.peakRssBytes = Math.max(this.peakRssBytes, this.rssBytes());
    }, 100);
  }

  /** Peak RSS (MB) and mean CPU (% of one core) since start. */
  stop(): { peakRssMb: number; cpuPercent: number } {
    clearInterval(this.timer);
    this.peakRssBytes = Math.max(this.peakRssBytes, this.rssBytes());
    const seconds = (performance.now() - this.startedAt) / 1000;
    return {
      peakRssMb: Math.round(this.peakRssBytes / 1_048_576),
      cpuPercent: Math.round(((this.cpuSeconds() - this.cpuAtStart) / seconds) * 100),
    };
  }

  rssMb(): number {
    return Math.round(this.rssBytes() / 1_048_576);
  }

  private rssBytes(): number {
    try {
      const status = readFileSync(`/proc/${this.pid}/status`, "utf8");
      const kb = /VmRSS:\s+(\d+) kB/.exec(status)?.[1];
      return kb ? Number(kb) * 1024 : 0;
    } catch {
      return 0;
    }
  }

  private cpuSeconds(): number {
    return cpuSecondsOf(this.pid);
  }
}

/** CPU time (user + system) a process has used so far, from /proc (Linux); 0 when it is gone. */
export function cpuSecondsOf(pid: number): number {
  return procStat(pid)?.cpuSeconds ?? 0;
}

/**
 * CPU time used so far by PostgreSQL: every server process alive (a backend per connection) plus what the
 * backends that have ended used (the postmaster reaps them, so it is in its children's time). A backend that
 * ends in between moves from the first sum to the second, so a load that opens and closes its own
 * connections is counted whole.
 */
export function postgresCpuSeconds(): number {
  let total = 0;
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    const stat = procStat(Number(entry));
    if (stat?.command === "postgres") total += stat.cpuSeconds + stat.reapedChildrenCpuSeconds;
  }
  return total;
}

function procStat(
  pid: number,
): { command: string; cpuSeconds: number; reapedChildrenCpuSeconds: number } | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    const command = stat.slice(stat.indexOf("(") + 1, stat.lastIndexOf(")"));
    // Fields after the command name: utime and stime are the 12th and 13th, cutime and cstime (children
    // waited for) the 14th and 15th, in clock ticks (100 per second).
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return {
      command,
      cpuSeconds: (Number(fields[11]) + Number(fields[12])) / 100,
      reapedChildrenCpuSeconds: (Number(fields[13]) + Number(fields[14])) / 100,
    };
  } catch {
    return undefined;
  }
}
