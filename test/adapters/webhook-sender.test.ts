import { createHmac } from "node:crypto";
import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { Webhook } from "standardwebhooks";
import { afterAll, describe, expect, it } from "vitest";
import { HttpWebhookSender } from "../../src/adapters/webhooks/http-webhook-sender.js";
import { PublicAddressGuard, type ResolveHost } from "../../src/adapters/webhooks/public-address-guard.js";
import { RandomWebhookSecrets } from "../../src/adapters/webhooks/random-webhook-secrets.js";
import { signatureHeader } from "../../src/adapters/webhooks/standard-webhooks-signer.js";

// The SSRF guard, the signer and the HTTP sender of outbound webhooks, against real local sockets.

/** Made-up names: each resolves to the addresses listed. */
const names: Record<string, string[]> = {
  "rebind.test": ["127.0.0.1"],
  "mixed.test": ["93.184.216.34", "10.1.2.3"],
  "metadata.test": ["169.254.169.254"],
  "public.test": ["93.184.216.34", "2606:2800:220:1:248:1893:25c8:1946"],
};
const resolve: ResolveHost = async (host) => {
  const list = names[host];
  if (!list) throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${host}`), { code: "ENOTFOUND" });
  return list.map((address) => ({ address, family: address.includes(":") ? 6 : 4 }));
};

describe("the SSRF guard", () => {
  const guard = new PublicAddressGuard({ allowPrivate: false, resolve });
  const system = new PublicAddressGuard({ allowPrivate: false });

  it.each([
    "https://127.0.0.1/hook",
    "https://127.1.2.3/",
    "https://10.0.0.1/",
    "https://172.16.0.1/",
    "https://172.31.255.254/",
    "https://192.168.1.10/",
    "https://100.64.0.1/",
    "https://169.254.169.254/latest/meta-data/",
    "https://0.0.0.0/",
    "https://224.0.0.1/",
    "https://255.255.255.255/",
    "https://[::1]/",
    "https://[::]/",
    "https://[::ffff:127.0.0.1]/",
    "https://[::ffff:10.0.0.1]/",
    "https://[fe80::1]/",
    "https://[fd00:ec2::254]/",
    "https://[ff02::1]/",
    "https://2130706433/",
    "https://0x7f.0.0.1/",
    "https://rebind.test/",
    "https://metadata.test/",
    "https://mixed.test/",
  ])("refuses %s", async (url) => {
    expect(await guard.refusal(new URL(url))).toMatch(/may not receive webhooks/);
  });

  it("refuses localhost, which resolves to a loopback address", async () => {
    expect(await system.refusal(new URL("https://localhost/"))).toMatch(/may not receive webhooks/);
  });

  it("allows hosts whose every address is public", async () => {
    expect(await guard.refusal(new URL("https://public.test/in"))).toBeUndefined();
    expect(await guard.refusal(new URL("https://93.184.216.34/"))).toBeUndefined();
    expect(await guard.refusal(new URL("https://[2606:4700::1111]/"))).toBeUndefined();
  });

  it("refuses a host that does not resolve", async () => {
    expect(await guard.refusal(new URL("https://nowhere.test/"))).toMatch(/does not resolve/);
  });

  it("allows anything with WEBHOOK_ALLOW_PRIVATE", async () => {
    const open = new PublicAddressGuard({ allowPrivate: true, resolve });
    expect(await open.refusal(new URL("http://127.0.0.1:9/"))).toBeUndefined();
  });
});

describe("signatures", () => {
  const secrets = new RandomWebhookSecrets();

  it("are what the standardwebhooks package verifies, with either secret during a rotation", () => {
    const [current, previous] = [secrets.newSecret(), secrets.newSecret()];
    const body = JSON.stringify({ type: "purchase.state_changed", data: { state: "BUILT" } });
    const timestamp = new Date();
    const header = signatureHeader("msg_1", timestamp, body, [current, previous]);
    const headers = {
      "webhook-id": "msg_1",
      "webhook-timestamp": String(Math.floor(timestamp.getTime() / 1000)),
      "webhook-signature": header,
    };
    expect(header.split(" ")).toHaveLength(2);
    expect(new Webhook(current).verify(body, headers)).toEqual(JSON.parse(body));
    expect(new Webhook(previous).verify(body, headers)).toEqual(JSON.parse(body));
    expect(() => new Webhook(secrets.newSecret()).verify(body, headers)).toThrow();
  });

  it("are base64 HMAC-SHA256 of id.timestamp.body under the secret's bytes", () => {
    const secret = secrets.newSecret();
    const timestamp = new Date(1_767_225_600_000);
    const expected = createHmac("sha256", Buffer.from(secret.slice(6), "base64"))
      .update(`msg_2.1767225600.{"a":1}`)
      .digest("base64");
    expect(signatureHeader("msg_2", timestamp, `{"a":1}`, [secret])).toBe(`v1,${expected}`);
  });
});

interface Receiver {
  readonly url: string;
  readonly requests: Array<{ headers: IncomingMessage["headers"]; body: string }>;
  readonly server: Server;
}

const servers: Server[] = [];
afterAll(async () => {
  for (const s of servers) {
    s.closeAllConnections();
    await new Promise((r) => s.close(r));
  }
});

async function receiver(answer: (req: IncomingMessage, res: import("node:http").ServerResponse) => void) {
  const requests: Receiver["requests"] = [];
  const server = createServer((req, res) => {
    let body = "";
    req.on("data", (c: Buffer) => (body += c.toString()));
    req.on("end", () => {
      requests.push({ headers: req.headers, body });
      answer(req, res);
    });
  });
  servers.push(server);
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}/hook`, requests, server } satisfies Receiver;
}

describe("the HTTP sender", () => {
  const open = new PublicAddressGuard({ allowPrivate: true });
  const sender = new HttpWebhookSender(open, { timeoutMs: 500, userAgent: "test" });
  const secret = new RandomWebhookSecrets().newSecret();
  const message = (url: string) => ({
    url,
    id: "msg_3",
    timestamp: new Date(),
    body: `{"type":"purchase.created"}`,
    secrets: [secret],
  });

  it("POSTs JSON with the Standard Webhooks headers", async () => {
    const r = await receiver((_req, res) => res.writeHead(204).end());
    expect(await sender.send(message(r.url))).toMatchObject({ kind: "answered", status: 204 });
    const [got] = r.requests;
    expect(got?.headers["content-type"]).toBe("application/json");
    expect(got?.headers["webhook-id"]).toBe("msg_3");
    expect(() =>
      new Webhook(secret).verify(got?.body ?? "", got?.headers as Record<string, string>),
    ).not.toThrow();
  });

  it("does not follow a redirect to a private address", async () => {
    const target = await receiver((_req, res) => res.writeHead(200).end());
    const r = await receiver((_req, res) => res.writeHead(302, { location: target.url }).end());
    expect(await sender.send(message(r.url))).toMatchObject({ kind: "answered", status: 302 });
    expect(target.requests).toHaveLength(0);
  });

  it("reads Retry-After in seconds", async () => {
    const r = await receiver((_req, res) => res.writeHead(429, { "retry-after": "7" }).end());
    expect(await sender.send(message(r.url))).toEqual({ kind: "answered", status: 429, retryAfterMs: 7000 });
  });

  it("gives up on an endpoint that does not answer within the timeout", async () => {
    const r = await receiver(() => {});
    const result = await sender.send(message(r.url));
    expect(result).toMatchObject({ kind: "unreachable" });
    expect(result.kind === "unreachable" && result.error).toMatch(/no answer within 0.5 s/);
  });

  it("reports a refused connection as unreachable", async () => {
    const r = await receiver(() => {});
    const { url } = r;
    await new Promise((done) => r.server.close(done));
    expect(await sender.send(message(url))).toMatchObject({ kind: "unreachable" });
  });

  it("connects to the address it checked, not to what DNS says later (no rebinding)", async () => {
    const r = await receiver((_req, res) => res.writeHead(200).end());
    const port = new URL(r.url).port;
    let calls = 0;
    // Public when checked at registration, loopback when the socket connects.
    const flipping: ResolveHost = async () => [
      { address: calls++ === 0 ? "93.184.216.34" : "127.0.0.1", family: 4 },
    ];
    const guard = new PublicAddressGuard({ allowPrivate: false, resolve: flipping });
    expect(await guard.refusal(new URL(`http://flip.test:${port}/hook`))).toBeUndefined();
    const strict = new HttpWebhookSender(guard, { timeoutMs: 500, userAgent: "test" });
    expect(await strict.send(message(`http://flip.test:${port}/hook`))).toMatchObject({ kind: "refused" });
    expect(r.requests).toHaveLength(0);
  });
});
