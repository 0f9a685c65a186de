import http, { type ClientRequest } from "node:http";
import https from "node:https";
import { isIP } from "node:net";
import type { AttemptResult } from "../../domain/manufacturing/webhook-delivery.js";
import type { WebhookMessage, WebhookSender } from "../../domain/manufacturing/webhook-ports.js";
import { hostOf, type PublicAddressGuard, RefusedAddress } from "./public-address-guard.js";
import { signatureHeader, timestampHeader } from "./standard-webhooks-signer.js";

// POSTs one signed message with node:http(s): every connection goes through the guard's lookup (so it reaches
// only an address checked at that moment), redirects are reported, never followed, and the whole exchange is
// bounded by WEBHOOK_TIMEOUT (15 s). The endpoint's faults become an AttemptResult; nothing here throws.

/** Longest Retry-After honoured: beyond it the retry schedule's own bound (max age) decides anyway. */
const MAX_RETRY_AFTER_MS = 24 * 3_600_000;

export class HttpWebhookSender implements WebhookSender {
  // Keep-alive: a busy endpoint's attempts reuse a connection that was checked when it was opened.
  private readonly agents = {
    "http:": new http.Agent({ keepAlive: true, maxSockets: 64 }),
    "https:": new https.Agent({ keepAlive: true, maxSockets: 64 }),
  };

  private readonly inFlight = new Set<ClientRequest>();
  private closed = false;

  constructor(
    private readonly guard: PublicAddressGuard,
    private readonly options: { readonly timeoutMs: number; readonly userAgent: string },
  ) {}

  async send(message: WebhookMessage): Promise<AttemptResult> {
    if (this.closed) throw new SenderClosed();
    const url = new URL(message.url);
    const host = hostOf(url);
    // A host name is checked by the guard's lookup as the socket connects; an IP literal is connected to
    // without a lookup, so it is checked here.
    if (isIP(host) !== 0) {
      try {
        await this.guard.checkedAddresses(host);
      } catch (error) {
        return { kind: "refused", error: error instanceof Error ? error.message : String(error) };
      }
    }
    const body = Buffer.from(message.body);
    const protocol = url.protocol === "https:" ? "https:" : "http:";
    const request = protocol === "https:" ? https.request : http.request;
    return new Promise<AttemptResult>((resolve, reject) => {
      const req = request(url, {
        method: "POST",
        agent: this.agents[protocol],
        lookup: this.guard.lookup,
        signal: AbortSignal.timeout(this.options.timeoutMs),
        headers: {
          "content-type": "application/json",
          "content-length": body.length,
          "user-agent": this.options.userAgent,
          "webhook-id": message.id,
          "webhook-timestamp": timestampHeader(message.timestamp),
          "webhook-signature": signatureHeader(message.id, message.timestamp, message.body, message.secrets),
        },
      });
      this.inFlight.add(req);
      req.once("close", () => this.inFlight.delete(req));
      req.once("response", (res) => {
        const status = res.statusCode ?? 0;
        // The answer is its status; the body is read and dropped so the connection can be reused.
        res.resume();
        res.on("error", () => {});
        resolve({ kind: "answered", status, retryAfterMs: retryAfterMs(res.headers["retry-after"]) });
      });
      req.on("error", (error: NodeJS.ErrnoException) => {
        if (error instanceof SenderClosed) return reject(error);
        if (error instanceof RefusedAddress) return resolve({ kind: "refused", error: error.message });
        const timedOut = error.name === "AbortError" || error.name === "TimeoutError";
        resolve({
          kind: "unreachable",
          error: timedOut
            ? `no answer within ${this.options.timeoutMs / 1000} s`
            : `${error.code ?? error.name}: ${error.message}`,
        });
      });
      req.end(body);
    });
  }

  /**
   * Cuts the attempts in flight (each then throws SenderClosed, so its job runs again later on some instance
   * and the delivery does not count it) and closes kept-alive connections; sends nothing more.
   */
  close(): void {
    this.closed = true;
    for (const req of this.inFlight) req.destroy(new SenderClosed());
    this.agents["http:"].destroy();
    this.agents["https:"].destroy();
  }
}

/** The sender was closed (shutdown) while or before sending: not an outcome of the endpoint. */
export class SenderClosed extends Error {
  constructor() {
    super("the webhook sender is shutting down");
  }
}

/** Retry-After as delay-seconds or an HTTP-date (RFC 9110 §10.2.3), in milliseconds from now. */
function retryAfterMs(value: string | undefined, now = Date.now()): number | undefined {
  if (!value) return undefined;
  const text = value.trim();
  const ms = /^\d+$/.test(text) ? Number(text) * 1000 : Date.parse(text) - now;
  if (!Number.isFinite(ms) || ms < 0) return undefined;
  return Math.min(ms, MAX_RETRY_AFTER_MS);
}
