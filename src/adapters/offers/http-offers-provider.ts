import { z } from "zod";
import type { ListedOffer } from "../../domain/offers/offer.js";
import { type FetchedOffers, type OffersProvider, OffersProviderFailure } from "../../domain/offers/ports.js";
import type { ProductToRegister } from "../../domain/offers/registration.js";
import { type IssuedToken, type SharedAccessToken, TokenStillLive } from "./shared-access-token.js";

// The HTTP client of the external Offers service (docs: ../shared/offers-api.md, docs/offers.md). Built on
// Node's fetch (undici): every call carries AbortSignal.timeout, and the access token goes in a header
// literally named "Bearer". No retry library: a call refused with 401 is retried once with a renewed token,
// and every other retry (registration backoff, the next refresh) belongs to the backbone and the scheduler.

export interface HttpOffersProviderOptions {
  /** OFFERS_BASE_URL, e.g. https://offers.example.com/api/v1 (paths are relative to it). */
  readonly baseUrl: string;
  /** Per-call timeout. */
  readonly timeoutMs: number;
  /** What each response status is counted under (Prometheus in production). */
  readonly onResponse?: (call: "auth" | "register" | "offers", outcome: string) => void;
}

const offersAnswer = z.array(
  z.object({
    id: z.string().min(1).max(200),
    price: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER),
    items_in_stock: z.number().int().min(0).max(2_147_483_647),
  }),
);

const authAnswer = z.object({ access_token: z.string().min(1).max(16_384) });

/** The largest answer read: far above any product's offers, low enough that a runaway body cannot exhaust memory. */
const MAX_ANSWER_BYTES = 4 * 1024 * 1024;

/** A token's lifetime when it is not a JWT with an `exp` the client can read (the contract says 5 minutes). */
const DEFAULT_TOKEN_TTL_MS = 300_000;

export class HttpOffersProvider implements OffersProvider {
  private readonly base: string;

  constructor(
    private readonly options: HttpOffersProviderOptions,
    private readonly token: SharedAccessToken,
  ) {
    this.base = options.baseUrl.replace(/\/+$/, "");
  }

  async register(product: ProductToRegister): Promise<void> {
    const body = JSON.stringify({ id: product.id, name: product.name, description: product.description });
    const response = await this.authorized("register", "POST", "/products/register", body);
    // 409: already registered, e.g. a retry after a lost reply.
    if (response.status === 201 || response.status === 200 || response.status === 409) {
      await response.body?.cancel();
      return;
    }
    throw await this.failure("register", response, response.status !== 422 && response.status !== 400);
  }

  async fetchOffers(productId: string): Promise<FetchedOffers> {
    const path = `/products/${encodeURIComponent(productId)}/offers`;
    const response = await this.authorized("offers", "GET", path);
    if (response.status === 404) {
      await response.body?.cancel();
      return { kind: "unknown_product" };
    }
    if (response.status !== 200) throw await this.failure("offers", response, true);
    const parsed = offersAnswer.safeParse(await this.json("offers", response));
    if (!parsed.success) throw new OffersProviderFailure("GET offers: malformed answer", true);
    const offers: ListedOffer[] = parsed.data.map((o) => ({
      id: o.id,
      priceMinor: o.price,
      itemsInStock: o.items_in_stock,
    }));
    return { kind: "offers", offers };
  }

  /** POST /auth with the refresh token: the shared token's renewal calls this. */
  async authenticate(refreshToken: string): Promise<IssuedToken> {
    const response = await this.send("auth", "POST", "/auth", refreshToken);
    if (response.status === 201 || response.status === 200) {
      const parsed = authAnswer.safeParse(await this.json("auth", response));
      if (!parsed.success) throw new OffersProviderFailure("POST /auth: malformed answer", true);
      const token = parsed.data.access_token;
      return { token, expiresAt: new Date(expiryOf(token) ?? Date.now() + DEFAULT_TOKEN_TTL_MS) };
    }
    if (response.status === 400) {
      // The service holds a live token: ours, if this clock runs ahead of its own (SharedAccessToken keeps
      // it), or one this deployment lost (or another shares the refresh token): then wait for it to expire.
      const failure = await this.failure(
        "auth",
        response,
        true,
        "the service still holds a live access token",
      );
      throw new TokenStillLive(failure.message);
    }
    throw await this.failure("auth", response, response.status !== 401, "refresh token refused");
  }

  /** A call with the shared token, retried once with a renewed token if refused with 401. */
  private async authorized(
    call: "register" | "offers",
    method: string,
    path: string,
    body?: string,
  ): Promise<Response> {
    const token = await this.token.current();
    const response = await this.send(call, method, path, token, body);
    if (response.status !== 401) return response;
    await response.body?.cancel();
    return this.send(call, method, path, await this.token.refused(token), body);
  }

  private async send(
    call: "auth" | "register" | "offers",
    method: string,
    path: string,
    token: string,
    body?: string,
  ): Promise<Response> {
    let response: Response;
    try {
      response = await fetch(this.base + path, {
        method,
        headers: {
          Bearer: token,
          accept: "application/json",
          ...(body ? { "content-type": "application/json" } : {}),
        },
        body,
        signal: AbortSignal.timeout(this.options.timeoutMs),
      });
    } catch (error) {
      const timedOut = error instanceof DOMException && error.name === "TimeoutError";
      this.options.onResponse?.(call, timedOut ? "timeout" : "network_error");
      throw new OffersProviderFailure(
        `${method} ${path}: ${timedOut ? `no answer in ${this.options.timeoutMs} ms` : causeOf(error)}`,
        true,
      );
    }
    this.options.onResponse?.(call, String(response.status));
    return response;
  }

  private async json(call: string, response: Response): Promise<unknown> {
    try {
      return JSON.parse(await readCapped(response, MAX_ANSWER_BYTES));
    } catch (error) {
      throw new OffersProviderFailure(`${call}: unreadable answer (${causeOf(error)})`, true);
    }
  }

  private async failure(
    call: string,
    response: Response,
    retryable: boolean,
    meaning?: string,
  ): Promise<OffersProviderFailure> {
    const text = (await response.text().catch(() => "")).slice(0, 200);
    const detail = [meaning, text].filter(Boolean).join(": ");
    return new OffersProviderFailure(
      `${call}: HTTP ${response.status}${detail ? ` (${detail})` : ""}`,
      retryable,
    );
  }
}

/** The body as text, refusing (and abandoning) one larger than `maxBytes`. */
async function readCapped(response: Response, maxBytes: number): Promise<string> {
  if (Number(response.headers.get("content-length") ?? 0) > maxBytes) {
    await response.body?.cancel();
    throw new Error(`answer larger than ${maxBytes} bytes`);
  }
  const reader = response.body?.getReader();
  if (!reader) return "";
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > maxBytes) {
      await reader.cancel();
      throw new Error(`answer larger than ${maxBytes} bytes`);
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks).toString("utf8");
}

/** The `exp` of a JWT in ms, when the token is one; the client never verifies it (the service does). */
function expiryOf(token: string): number | undefined {
  const payload = token.split(".")[1];
  if (!payload) return undefined;
  try {
    const exp = (JSON.parse(Buffer.from(payload, "base64url").toString("utf8")) as { exp?: unknown }).exp;
    return typeof exp === "number" && Number.isFinite(exp) ? exp * 1000 : undefined;
  } catch {
    return undefined;
  }
}

const causeOf = (error: unknown): string => {
  const cause = (error as { cause?: { code?: string; message?: string } } | null)?.cause;
  return cause?.code ?? cause?.message ?? (error instanceof Error ? error.message : String(error));
};
