import { spawn } from "node:child_process";
import { describe, expect, it } from "vitest";
import { spawnApp, stopWithSigterm } from "../support/spawned-app.js";

// `npm start` at a terminal prints readable lines (pino-pretty); anywhere else, one JSON object per line.

const env = {
  HOST: "127.0.0.1",
  HTTP_PORT: "0",
  GRPC_PORT: "0",
  SHOPFLOOR_DATA_DIR: ":memory:",
  DEMO_DATA: "false",
  ORDER_AUTO_ADVANCE: "off",
  LOG_LEVEL: "info",
};
// biome-ignore lint/suspicious/noControlCharactersInRegex: colour codes are what is stripped
const ansi = /\u001b\[[0-9;]*m/g;

describe("log lines", () => {
  it("are JSON when stdout is not a terminal", async () => {
    // spawnApp reads the JSON "shopfloor ready" line from a pipe; it resolves only if that line parsed.
    const app = await spawnApp(env);
    expect(app.httpUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(await stopWithSigterm(app.child)).toBe(0);
  }, 90_000);

  it("are pretty when stdout is a terminal", async () => {
    // util-linux `script` runs the app on a pseudo-terminal; Ctrl-C typed into it stops the app.
    const child = spawn(
      "script",
      ["-qfec", `${process.execPath} --import tsx src/app/main.ts`, "/dev/null"],
      {
        env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "", TERM: "xterm", ...env },
        stdio: ["pipe", "pipe", "pipe"],
      },
    );
    let out = "";
    const ready = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no ready line in 60 s:\n${out}`)), 60_000);
      child.stdout.on("data", (chunk: Buffer) => {
        out += chunk.toString();
        const line = out
          .replace(ansi, "")
          .split(/\r?\n/)
          .find((l) => l.includes("shopfloor ready"));
        if (line) {
          clearTimeout(timer);
          resolve(line);
        }
      });
    });
    const exited = new Promise((resolve) => child.once("exit", resolve));
    child.stdin.write("\u0003");
    await exited;
    expect(ready).toMatch(/^\[\d\d:\d\d:\d\d\.\d{3}\] INFO: shopfloor ready/);
    expect(out).toContain("\u001b["); // coloured
    expect(out.replace(ansi, "")).not.toMatch(/^\{"level"/m);
  }, 90_000);
});
