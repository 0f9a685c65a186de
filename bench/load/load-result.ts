import { readFileSync } from "node:fs";

/** What every load process prints as its one line of JSON on stdout. */
export interface LoadResult {
  /** Successful requests per second over the measured period. */
  readonly rps: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  /** Failed requests (errors, timeouts, non-2xx answers) over the measured period. */
  readonly errors: number;
  /** CPU this load process used while it ran (after its modules were loaded), in cores (1 = one core busy). */
  readonly loadCores?: number;
  /** Filled in by bench.ts: the cores the app, PostgreSQL and the canned server used meanwhile. */
  readonly cores?: ProcessCores;
}

/** Cores used per process group while one load ran (0.5 = half a core on average). */
export interface ProcessCores {
  readonly load: number;
  readonly app: number;
  readonly postgres: number;
  readonly canned: number;
}

// Evaluated once every module of the load process is loaded (ESM loads all before it evaluates any), so
// compiling the script is not counted as load.
const cpuAtStart = process.cpuUsage();
const wallAtStart = performance.now();

/** The input a load process takes: a JSON file named by its one argument (too big for a command line). */
export const inputOf = <T>(): T => JSON.parse(readFileSync(process.argv[2] ?? "", "utf8")) as T;

export const printResult = (result: LoadResult): void => {
  const cpu = process.cpuUsage(cpuAtStart);
  const loadCores = (cpu.user + cpu.system) / 1000 / (performance.now() - wallAtStart);
  process.stdout.write(`${JSON.stringify({ ...result, loadCores: Math.round(loadCores * 100) / 100 })}\n`);
};

/** Percentile of ascending-sorted latencies. */
export const percentile = (sorted: readonly number[], p: number): number =>
  sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0;

/**
 * Runs `call` from `workers` concurrent loops, for `warmupSeconds` unmeasured and then `seconds` measured.
 * Latencies and errors are counted only in the measured period.
 */
export async function closedLoop(
  workers: number,
  warmupSeconds: number,
  seconds: number,
  call: (worker: number) => Promise<unknown>,
): Promise<LoadResult> {
  const latencies: number[] = [];
  let errors = 0;
  let firstError: unknown;
  const measureFrom = performance.now() + warmupSeconds * 1000;
  const until = measureFrom + seconds * 1000;
  await Promise.all(
    Array.from({ length: workers }, async (_, worker) => {
      while (performance.now() < until) {
        const t = performance.now();
        let failed = false;
        try {
          await call(worker);
        } catch (error) {
          failed = true;
          firstError ??= error;
        }
        if (t < measureFrom) continue;
        if (failed) errors++;
        else latencies.push(performance.now() - t);
      }
    }),
  );
  if (firstError) process.stderr.write(`first failure: ${String(firstError)}\n`);
  latencies.sort((a, b) => a - b);
  return {
    rps: latencies.length / seconds,
    p50Ms: percentile(latencies, 50),
    p99Ms: percentile(latencies, 99),
    errors,
  };
}
