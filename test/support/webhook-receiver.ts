import { createServer, type IncomingHttpHeaders, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { Webhook } from "standardwebhooks";

/** One webhook request as a receiver got it, with whether its signature verified. */
export interface ReceivedWebhook {
  readonly id: string;
  readonly headers: IncomingHttpHeaders;
  readonly body: string;
  /** The body parsed, once its signature verified with one of the receiver's secrets. */
  readonly payload:
    | { type: string; data: Record<string, unknown> & { purchase: { id: string } } }
    | undefined;
  /** Which of the receiver's secrets verified it (indexes into `secrets`). */
  readonly verifiedBy: number[];
}

/** How the receiver answers the n-th request (0-based): a status, or "hang" to leave it open. */
export type Answer = (
  request: ReceivedWebhook,
  n: number,
) => number | "hang" | { status: number; headers: Record<string, string> };

/**
 * A real local HTTP endpoint for outbound webhooks: it verifies every request's signature with the
 * standardwebhooks package (against every secret it was told of) and answers as the test scripts it.
 */
export class WebhookReceiver {
  readonly received: ReceivedWebhook[] = [];
  /** The signing secrets to verify with; a test adds the one RegisterWebhook / RotateWebhookSecret returned. */
  readonly secrets: string[] = [];
  private readonly hanging = new Set<ServerResponse>();
  private readonly server = createServer((req, res) => {
    let body = "";
    req.setEncoding("utf8");
    req.on("data", (chunk: string) => (body += chunk));
    req.on("end", () => {
      const headers = req.headers;
      const verifiedBy: number[] = [];
      let payload: ReceivedWebhook["payload"];
      this.secrets.forEach((secret, i) => {
        try {
          payload = new Webhook(secret).verify(
            body,
            headers as Record<string, string>,
          ) as ReceivedWebhook["payload"];
          verifiedBy.push(i);
        } catch {
          // Not signed with this one.
        }
      });
      const request: ReceivedWebhook = {
        id: String(headers["webhook-id"]),
        headers,
        body,
        payload,
        verifiedBy,
      };
      const n = this.received.length;
      this.received.push(request);
      const answer = this.answer(request, n);
      if (answer === "hang") {
        this.hanging.add(res);
        res.on("close", () => this.hanging.delete(res));
        return;
      }
      const { status, headers: extra } =
        typeof answer === "number" ? { status: answer, headers: {} } : answer;
      res.writeHead(status, extra).end();
    });
  });

  private constructor(public answer: Answer) {}

  static async start(answer: Answer = () => 200, port = 0): Promise<WebhookReceiver> {
    const receiver = new WebhookReceiver(answer);
    await receiver.listen(port);
    return receiver;
  }

  get port(): number {
    return (this.server.address() as AddressInfo).port;
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}/hooks/shopfloor`;
  }

  /** Requests it holds open right now (answered "hang"). */
  get hangingCount(): number {
    return this.hanging.size;
  }

  /** The requests about one purchase, in arrival order. */
  about(purchaseId: string): ReceivedWebhook[] {
    return this.received.filter((r) => r.payload?.data.purchase.id === purchaseId);
  }

  async listen(port: number): Promise<void> {
    await new Promise<void>((resolve, reject) => {
      this.server.once("error", reject);
      this.server.listen(port, "127.0.0.1", () => resolve());
    });
  }

  /** Stops listening and cuts every open connection (the endpoint goes down). */
  async close(): Promise<void> {
    if (!this.server.listening) return;
    const closed = new Promise((resolve) => this.server.close(resolve));
    this.server.closeAllConnections();
    await closed;
  }
}
