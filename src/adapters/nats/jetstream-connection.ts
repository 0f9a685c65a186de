import {
  connect,
  type JetStreamClient,
  type JetStreamManager,
  type NatsConnection,
  Events as NatsEvents,
} from "nats";
import type { Logger } from "pino";

/**
 * One NATS connection per instance with its JetStream contexts. It reconnects forever (an outage of minutes
 * must not need a restart) and tracks whether it is connected, for /readyz and so the relay fails fast
 * instead of waiting out publish timeouts while NATS is away.
 */
export class JetStreamConnection {
  private connected = true;
  private readonly reconnectListeners: Array<() => void> = [];

  private constructor(
    readonly nc: NatsConnection,
    readonly js: JetStreamClient,
    readonly jsm: JetStreamManager,
    private readonly logger: Logger,
  ) {
    void this.watchStatus();
  }

  static async connect(url: string, logger: Logger): Promise<JetStreamConnection> {
    // The first connection must succeed: an instance that starts without NATS could not create its stream
    // or consumers. Once connected, it rides out outages.
    const nc = await connect({
      servers: url,
      name: "shopfloor",
      maxReconnectAttempts: -1,
      reconnectTimeWait: 1000,
      timeout: 5000,
      // nats.js captures a stack trace (an Error) for every request and every request's timer, to append
      // to a failure's stack: two per published event, 4 % of PlaceOrder's CPU. Our failures say what
      // failed without it.
      noAsyncTraces: true,
    }).catch((error: unknown) => {
      const reason = error instanceof Error ? error.message : String(error);
      throw new Error(
        `cannot connect to NATS at ${withoutCredentials(url)}: ${reason.replaceAll(url, withoutCredentials(url))}`,
      );
    });
    const jsm = await nc.jetstreamManager({ timeout: 5000 });
    return new JetStreamConnection(nc, nc.jetstream({ timeout: 5000 }), jsm, logger);
  }

  get isConnected(): boolean {
    return this.connected && !this.nc.isClosed();
  }

  /** Calls `listener` each time the connection comes back (the relay catches up at once, not after its backoff). */
  onReconnect(listener: () => void): void {
    this.reconnectListeners.push(listener);
  }

  /** Readiness: fails while disconnected, and when the server does not answer a round trip. */
  async check(): Promise<void> {
    if (!this.isConnected) throw new Error("NATS is disconnected");
    await this.nc.flush();
  }

  async close(): Promise<void> {
    if (this.nc.isClosed()) return;
    await this.nc.drain().catch(() => this.nc.close());
  }

  private async watchStatus(): Promise<void> {
    for await (const status of this.nc.status()) {
      if (status.type === NatsEvents.Disconnect) {
        this.connected = false;
        this.logger.warn({ server: status.data }, "NATS disconnected; reconnecting");
      } else if (status.type === NatsEvents.Reconnect) {
        this.connected = true;
        this.logger.info({ server: status.data }, "NATS reconnected");
        for (const listener of this.reconnectListeners) listener();
      }
    }
  }
}

/** The URL with any user, password or token replaced, for messages and logs: NATS_URL may carry credentials. */
export function withoutCredentials(url: string): string {
  try {
    const parsed = new URL(url);
    if (!parsed.username && !parsed.password) return url;
    parsed.username = "***";
    parsed.password = "";
    return parsed.toString().replace(/\/$/, "");
  } catch {
    return url.replace(/\/\/[^@/]*@/, "//***@");
  }
}
