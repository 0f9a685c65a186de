import { Writable } from "node:stream";
import { type Logger, pino } from "pino";

/** A pino logger whose JSON lines are kept in memory, to assert what the process logged (and what it did not). */
export interface CapturedLogs {
  readonly logger: Logger;
  /** Every line so far, parsed. */
  lines(): Array<{ level: number; msg?: string; [key: string]: unknown }>;
  /** Lines at error level or above (pino: error 50, fatal 60). */
  errors(): Array<{ level: number; msg?: string; [key: string]: unknown }>;
}

export function captureLogs(level = "info"): CapturedLogs {
  const lines: string[] = [];
  const sink = new Writable({
    write(chunk, _encoding, done) {
      lines.push(...String(chunk).split("\n").filter(Boolean));
      done();
    },
  });
  const logger = pino({ level }, sink);
  const parsed = () => lines.map((line) => JSON.parse(line) as { level: number; msg?: string });
  return { logger, lines: parsed, errors: () => parsed().filter((l) => l.level >= 50) };
}
