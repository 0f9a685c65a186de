import { createHash, createHmac } from "node:crypto";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

// A stand-in for the external Offers service (../shared/offers-api.md) that honours every rule of its
// contract, the 400 on a second /auth while a token lives among them. Used by the embedded default (started
// in-process when OFFERS_BASE_URL is unset), by the tests, and by `npm run offers-sim` as a server of its own.
// Offers evolve deterministically from the seed: the same seed and the same sequence of calls give the same
// answers. Switches under /_simulator (and the methods below) inject the faults tests need.

export interface SimulatedOffer {
  readonly id: string;
  readonly price: number;
  readonly items_in_stock: number;
}

export interface OffersSimulatorOptions {
  /** Makes offers, ids and tokens reproducible. */
  readonly seed: string;
  /** Refresh tokens /auth accepts. */
  readonly refreshTokens: readonly string[];
  /** Life of an access token (the real service: 5 minutes). */
  readonly tokenTtlMs?: number;
  readonly host?: string;
  readonly port?: number;
  /** Path the API is served under (the real service's base URL ends in /api/v1). */
  readonly basePath?: string;
}

export interface FaultSwitches {
  /** Answer the next `count` calls (of `path` only, when given) with `status` (default 500). */
  readonly failNext?: { readonly count: number; readonly status?: number; readonly path?: ApiCall };
  /** Wait this long before answering every API call (0: no delay). */
  readonly delayMs?: number;
  /** End the live access token now, as if it had expired early. */
  readonly expireTokens?: boolean;
  /** Forget these products: their offers answer 404 until they are registered again. */
  readonly forget?: readonly string[];
}

export type ApiCall = "auth" | "register" | "offers";

export interface SimulatorStats {
  auth: { issued: number; refusedLive: number; refusedUnknown: number };
  register: { created: number; conflicts: number; unauthorized: number; malformed: number };
  offers: { answered: number; unknown: number; unauthorized: number };
  /** Faults injected by failNext. */
  injectedFailures: number;
  /** GET offers answered (200) per product id. */
  offersCallsByProduct: Record<string, number>;
  products: number;
}

interface SimulatedProduct {
  offers: SimulatedOffer[];
  /** Set by a test: answered as is, never evolved. */
  pinned: boolean;
  random: () => number;
}

const MAX_BODY_BYTES = 64 * 1024;

export class OffersSimulator {
  private readonly products = new Map<string, SimulatedProduct>();
  private readonly pinned = new Map<string, SimulatedOffer[]>();
  private live: { token: string; expiresAt: number } | undefined;
  private tokenCount = 0;
  private failures: { count: number; status: number; path: ApiCall | undefined } | undefined;
  private delayMs = 0;
  private readonly waiting = new Set<() => void>();
  private stopped = false;
  private stats: SimulatorStats = emptyStats();

  private constructor(
    private readonly server: Server,
    private readonly options: OffersSimulatorOptions,
    /** The base URL to give a client (OFFERS_BASE_URL). */
    readonly url: string,
  ) {}

  static async start(options: OffersSimulatorOptions): Promise<OffersSimulator> {
    const server = createServer();
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(options.port ?? 0, options.host ?? "127.0.0.1", () => resolve());
    });
    const address = server.address() as AddressInfo;
    const host = address.family === "IPv6" ? `[${address.address}]` : address.address;
    const simulator = new OffersSimulator(
      server,
      options,
      `http://${host}:${address.port}${options.basePath ?? "/api/v1"}`,
    );
    server.on("request", (req, res) => {
      simulator.handle(req, res).catch(() => {
        if (!res.headersSent) res.writeHead(500).end();
      });
    });
    return simulator;
  }

  /** Where the fault switches and stats are served. */
  get controlUrl(): string {
    return `${new URL(this.url).origin}/_simulator`;
  }

  setFaults(faults: FaultSwitches): void {
    if (faults.failNext)
      this.failures = {
        count: faults.failNext.count,
        status: faults.failNext.status ?? 500,
        path: faults.failNext.path,
      };
    if (faults.delayMs !== undefined) this.delayMs = Math.max(0, faults.delayMs);
    if (faults.expireTokens && this.live) this.live = { ...this.live, expiresAt: Date.now() };
    for (const id of faults.forget ?? []) this.products.delete(id);
  }

  /** Fixes a product's offers (undefined: back to evolving from the seed). */
  pinOffers(productId: string, offers: readonly SimulatedOffer[] | undefined): void {
    if (offers === undefined) {
      this.pinned.delete(productId);
      const product = this.products.get(productId);
      if (product) product.pinned = false;
      return;
    }
    this.pinned.set(productId, [...offers]);
    const product = this.products.get(productId);
    if (product) {
      product.offers = [...offers];
      product.pinned = true;
    }
  }

  /** Registers products directly (a bench loading thousands at once). */
  addProducts(ids: readonly string[]): void {
    for (const id of ids) if (!this.products.has(id)) this.products.set(id, this.newProduct(id));
  }

  currentStats(): SimulatorStats {
    return { ...structuredClone(this.stats), products: this.products.size };
  }

  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    for (const wake of this.waiting) wake();
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? "/", "http://simulator");
    if (url.pathname.startsWith("/_simulator/")) return this.control(req, res, url.pathname);
    const base = this.options.basePath ?? "/api/v1";
    if (!url.pathname.startsWith(`${base}/`)) return send(res, 404, { detail: "not found" });
    const path = url.pathname.slice(base.length);
    const call: ApiCall | undefined =
      path === "/auth"
        ? "auth"
        : path === "/products/register"
          ? "register"
          : /^\/products\/[^/]+\/offers$/.test(path)
            ? "offers"
            : undefined;
    if (!call) return send(res, 404, { detail: "not found" });
    const body = await readBody(req);
    if (this.delayMs > 0) await this.wait(this.delayMs);
    if (this.stopped || res.destroyed) return;
    if (this.failures && this.failures.count > 0 && (!this.failures.path || this.failures.path === call)) {
      this.failures.count--;
      this.stats.injectedFailures++;
      return send(res, this.failures.status, { detail: "injected failure" });
    }
    const token = headerOf(req, "bearer");
    if (call === "auth") return this.auth(res, token);
    if (!this.isLive(token)) {
      if (call === "register") this.stats.register.unauthorized++;
      else this.stats.offers.unauthorized++;
      return send(res, 401, { detail: "missing or expired access token" });
    }
    if (call === "register") return this.register(res, body);
    const id = decodeURIComponent(path.split("/")[2] ?? "");
    return this.listOffers(res, id);
  }

  private auth(res: ServerResponse, refreshToken: string | undefined): void {
    if (!refreshToken || !this.options.refreshTokens.includes(refreshToken)) {
      this.stats.auth.refusedUnknown++;
      send(res, 401, { detail: "unknown refresh token" });
      return;
    }
    if (this.live && Date.now() < this.live.expiresAt) {
      this.stats.auth.refusedLive++;
      send(res, 400, { detail: "an access token is still valid for this refresh token" });
      return;
    }
    const expiresAt = Date.now() + (this.options.tokenTtlMs ?? 300_000);
    this.tokenCount++;
    const token = this.jwt(expiresAt);
    this.live = { token, expiresAt };
    this.stats.auth.issued++;
    send(res, 201, { access_token: token });
  }

  private register(res: ServerResponse, body: string): void {
    let parsed: unknown;
    try {
      parsed = JSON.parse(body);
    } catch {
      parsed = undefined;
    }
    const p = parsed as { id?: unknown; name?: unknown; description?: unknown } | undefined;
    if (
      typeof p?.id !== "string" ||
      !/^[0-9a-f-]{36}$/i.test(p.id) ||
      typeof p.name !== "string" ||
      typeof p.description !== "string"
    ) {
      this.stats.register.malformed++;
      send(res, 422, { detail: "id, name and description are required" });
      return;
    }
    if (this.products.has(p.id)) {
      this.stats.register.conflicts++;
      send(res, 409, { detail: "product already registered" });
      return;
    }
    this.products.set(p.id, this.newProduct(p.id));
    this.stats.register.created++;
    send(res, 201, { id: p.id });
  }

  private listOffers(res: ServerResponse, productId: string): void {
    const product = this.products.get(productId);
    if (!product) {
      this.stats.offers.unknown++;
      send(res, 404, { detail: "product not registered" });
      return;
    }
    if (!product.pinned) product.offers = evolve(product.offers, product.random);
    this.stats.offers.answered++;
    this.stats.offersCallsByProduct[productId] = (this.stats.offersCallsByProduct[productId] ?? 0) + 1;
    send(res, 200, product.offers);
  }

  private async control(req: IncomingMessage, res: ServerResponse, path: string): Promise<void> {
    const body = await readBody(req);
    const json = () => (body ? (JSON.parse(body) as unknown) : undefined);
    try {
      if (req.method === "GET" && path === "/_simulator/stats") return send(res, 200, this.currentStats());
      if (req.method === "POST" && path === "/_simulator/faults") {
        this.setFaults((json() ?? {}) as FaultSwitches);
        return send(res, 204);
      }
      if (req.method === "POST" && path === "/_simulator/products") {
        this.addProducts(json() as string[]);
        return send(res, 204);
      }
      const pin = /^\/_simulator\/products\/([^/]+)\/offers$/.exec(path);
      if (pin?.[1] && req.method === "PUT") {
        this.pinOffers(decodeURIComponent(pin[1]), (json() ?? undefined) as SimulatedOffer[] | undefined);
        return send(res, 204);
      }
    } catch {
      return send(res, 400, { detail: "malformed control request" });
    }
    send(res, 404, { detail: "no such control" });
  }

  private isLive(token: string | undefined): boolean {
    return !!token && this.live?.token === token && Date.now() < this.live.expiresAt;
  }

  private newProduct(id: string): SimulatedProduct {
    const random = seededRandom(`${this.options.seed}:${id}`);
    const pinned = this.pinned.get(id);
    if (pinned) return { offers: [...pinned], pinned: true, random };
    const count = 1 + Math.floor(random() * 4);
    const offers = Array.from({ length: count }, () => newOffer(random));
    return { offers, pinned: false, random };
  }

  /** A JWT-shaped token whose payload carries exp (in seconds, fractional), signed with the seed. */
  private jwt(expiresAt: number): string {
    const part = (value: object) => Buffer.from(JSON.stringify(value)).toString("base64url");
    const head = `${part({ alg: "HS256", typ: "JWT" })}.${part({ exp: expiresAt / 1000, jti: this.tokenCount })}`;
    const signature = createHmac("sha256", this.options.seed).update(head).digest("base64url");
    return `${head}.${signature}`;
  }

  private wait(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const wake = () => {
        clearTimeout(timer);
        this.waiting.delete(wake);
        resolve();
      };
      const timer = setTimeout(wake, ms);
      this.waiting.add(wake);
    });
  }
}

function emptyStats(): SimulatorStats {
  return {
    auth: { issued: 0, refusedLive: 0, refusedUnknown: 0 },
    register: { created: 0, conflicts: 0, unauthorized: 0, malformed: 0 },
    offers: { answered: 0, unknown: 0, unauthorized: 0 },
    injectedFailures: 0,
    offersCallsByProduct: {},
    products: 0,
  };
}

/** Between two calls an offer may vanish, change price and stock, and a new one may appear. */
function evolve(offers: readonly SimulatedOffer[], random: () => number): SimulatedOffer[] {
  const next: SimulatedOffer[] = [];
  for (const offer of offers) {
    if (random() < 0.15) continue;
    const price = Math.max(1, Math.round(offer.price * (0.9 + random() * 0.2)));
    const stock = Math.max(0, offer.items_in_stock + Math.floor(random() * 11) - 5);
    next.push({ id: offer.id, price, items_in_stock: stock });
  }
  if (next.length === 0 || random() < 0.25) next.push(newOffer(random));
  return next;
}

function newOffer(random: () => number): SimulatedOffer {
  const hex = Array.from({ length: 32 }, () => Math.floor(random() * 16).toString(16)).join("");
  const id = `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-a${hex.slice(17, 20)}-${hex.slice(20)}`;
  return { id, price: 500 + Math.floor(random() * 99_500), items_in_stock: Math.floor(random() * 100) };
}

/** mulberry32 seeded from a SHA-256 of the text: small, fast and the same on every platform. */
function seededRandom(text: string): () => number {
  let state = createHash("sha256").update(text).digest().readUInt32LE(0);
  return () => {
    state = (state + 0x6d2b79f5) | 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

function headerOf(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    let size = 0;
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES * 16) req.destroy();
      else chunks.push(chunk);
    });
    req.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
    req.on("error", reject);
  });
}

function send(res: ServerResponse, status: number, body?: unknown): void {
  if (res.destroyed) return;
  if (body === undefined) {
    res.writeHead(status).end();
    return;
  }
  const text = JSON.stringify(body);
  res.writeHead(status, { "content-type": "application/json", "content-length": Buffer.byteLength(text) });
  res.end(text);
}
