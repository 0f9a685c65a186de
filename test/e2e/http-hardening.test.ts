import { connect, type Socket } from "node:net";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { type CapturedLogs, captureLogs } from "../support/captured-logs.js";
import { startTestApp, type TestApp } from "../support/test-app.js";

// Issue 14.2 and 14.3 over raw sockets (node:net), as a careless or hostile client would talk: an over-limit body
// refused mid-read closes its connection rather than leaving it to hang; a body that never arrives, or trickles,
// is cut off by the request timeout; a client leaving mid-upload is no error in the log.

let app: TestApp;
let logs: CapturedLogs;
let port: number;
const consoleErrors = vi.spyOn(console, "error");

beforeAll(async () => {
  logs = captureLogs("info");
  app = await startTestApp({ logger: logs.logger, env: { HTTP_REQUEST_TIMEOUT: "1s" } });
  port = Number(new URL(app.httpUrl).port);
});

afterAll(async () => {
  consoleErrors.mockRestore();
  await app?.stop();
  await app?.database.drop();
});

interface Conversation {
  readonly socket: Socket;
  /** Everything the server sent until it closed the connection. */
  readonly closed: Promise<string>;
}

function open(): Promise<Conversation> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, "127.0.0.1");
    const chunks: Buffer[] = [];
    socket.on("data", (c) => chunks.push(c));
    const closed = new Promise<string>((done) =>
      socket.on("close", () => done(Buffer.concat(chunks).toString("latin1"))),
    );
    socket.on("error", () => {});
    socket.once("connect", () => resolve({ socket, closed }));
    socket.once("error", reject);
  });
}

const head = (lines: string[]) => `${lines.join("\r\n")}\r\n\r\n`;
const MiB = 1024 * 1024;

/** Sends `headers`, then body bytes until the server stops reading or closes; returns what came back. */
async function sendOversized(headers: string[], chunk: () => Buffer, chunks: number): Promise<string> {
  const { socket, closed } = await open();
  socket.write(head(headers));
  for (let i = 0; i < chunks && !socket.destroyed; i++) {
    if (!socket.write(chunk())) await new Promise((r) => socket.once("drain", r).once("close", r));
  }
  return closed;
}

describe("an over-limit body refused mid-read closes its connection", () => {
  it("a gRPC-Web frame over 1 MiB", async () => {
    const size = 2 * MiB;
    const frameHeader = Buffer.alloc(5);
    frameHeader.writeUInt32BE(size, 1);
    let first = true;
    const answer = await sendOversized(
      [
        "POST /shopfloor.catalog.v1.CatalogService/ListCategories HTTP/1.1",
        "Host: x",
        "Content-Type: application/grpc-web+proto",
        `Content-Length: ${size + 5}`,
      ],
      () => {
        const c = first ? Buffer.concat([frameHeader, Buffer.alloc(64 * 1024 - 5)]) : Buffer.alloc(64 * 1024);
        first = false;
        return c;
      },
      32,
    );
    expect(answer).toMatch(/^HTTP\/1\.1 200/);
    expect(answer.toLowerCase()).toContain("connection: close");
    expect(answer).toMatch(/grpc-status:\s*8/i); // RESOURCE_EXHAUSTED
  });

  it("a 2 MB form to /oauth/token", async () => {
    const answer = await sendOversized(
      [
        "POST /oauth/token HTTP/1.1",
        "Host: x",
        "Content-Type: application/x-www-form-urlencoded",
        `Content-Length: ${2 * MiB}`,
      ],
      () => Buffer.alloc(64 * 1024, "a"),
      32,
    );
    expect(answer).toMatch(/^HTTP\/1\.1 413/);
    expect(answer.toLowerCase()).toContain("connection: close");
  });

  it("a chunked Connect JSON body", async () => {
    const piece = Buffer.from(`10000\r\n${" ".repeat(0x10000)}\r\n`);
    const answer = await sendOversized(
      [
        "POST /shopfloor.catalog.v1.CatalogService/ListCategories HTTP/1.1",
        "Host: x",
        "Content-Type: application/json",
        "Transfer-Encoding: chunked",
      ],
      () => piece,
      32,
    );
    expect(answer).toMatch(/^HTTP\/1\.1 429/);
    expect(answer).toContain('"code":"resource_exhausted"');
    expect(answer.toLowerCase()).toContain("connection: close");
  });

  it("a request that fits keeps its connection alive for the next one", async () => {
    const { socket, closed } = await open();
    const get = head(["GET /healthz HTTP/1.1", "Host: x"]);
    socket.write(get + get + head(["GET /healthz HTTP/1.1", "Host: x", "Connection: close"]));
    const answer = await closed;
    expect(answer.match(/HTTP\/1\.1 200/g)).toHaveLength(3);
  });
});

describe("request and body timeouts", () => {
  it("a declared Content-Length that never arrives is cut off (408) by HTTP_REQUEST_TIMEOUT", async () => {
    const { socket, closed } = await open();
    socket.write(
      head([
        "POST /shopfloor.identity.v1.IdentityService/Login HTTP/1.1",
        "Host: x",
        "Content-Type: application/json",
        "Content-Length: 100",
      ]),
    );
    socket.write('{"login":');
    expect(await closed).toMatch(/^HTTP\/1\.1 408/);
  });

  it("a body trickling at a byte at a time is cut off", async () => {
    const { socket, closed } = await open();
    socket.write(
      head([
        "POST /oauth/token HTTP/1.1",
        "Host: x",
        "Content-Type: application/x-www-form-urlencoded",
        "Content-Length: 100000",
      ]),
    );
    const trickle = setInterval(() => socket.writable && socket.write("a"), 100);
    try {
      expect(await closed).toMatch(/HTTP\/1\.1 408|^$/);
    } finally {
      clearInterval(trickle);
    }
  });
});

describe("a client that leaves mid-upload is not an error", () => {
  it.each([
    ["/oauth/token", "application/x-www-form-urlencoded"],
    ["/shopfloor.identity.v1.IdentityService/Login", "application/json"],
    ["/shopfloor.catalog.v1.CatalogService/ListCategories", "application/proto"],
    ["/shopfloor.catalog.v1.CatalogService/ListCategories", "application/grpc-web+proto"],
  ])("on %s (%s)", async (path, contentType) => {
    const before = logs.errors().length;
    consoleErrors.mockClear();
    for (let i = 0; i < 3; i++) {
      const { socket, closed } = await open();
      socket.write(
        head([`POST ${path} HTTP/1.1`, "Host: x", `Content-Type: ${contentType}`, "Content-Length: 5000"]),
      );
      socket.write("username=a");
      // Let the server start reading the body, then leave.
      await fetch(`${app.httpUrl}/healthz`);
      socket.destroy();
      await closed;
    }
    // A few round trips after the aborts, so the server has handled them.
    for (let i = 0; i < 3; i++) await fetch(`${app.httpUrl}/healthz`);
    expect(
      logs
        .errors()
        .slice(before)
        .map((l) => l.msg),
    ).toEqual([]);
    expect(consoleErrors).not.toHaveBeenCalled();
  });
});
