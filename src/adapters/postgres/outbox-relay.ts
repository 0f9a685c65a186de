import type { Logger } from "pino";
import type { EventEnvelope } from "../events/event-decoding.js";
import type { Metrics } from "../observability/metrics.js";
import type { Sql, SqlExecutor } from "./database.js";
import { OUTBOX_CHANNEL } from "./postgres-event-outbox.js";

/** An outbox row: an event envelope and its place in the outbox. */
export interface OutboxRecord extends EventEnvelope {
  readonly seq: number;
}

export interface SinkResult {
  /** Seqs of the records delivered; they are marked published when the relay's transaction commits. */
  readonly delivered: readonly number[];
  /** Why the others were not (they stay in the outbox and are retried after a backoff). */
  readonly error?: unknown;
}

/** Where the relay hands events: JetStream, or the in-process bus. */
export interface OutboxSink {
  /**
   * Delivers `records` (in outbox order) inside the relay's transaction `tx`. Must keep the order of each
   * aggregate's events: after an aggregate's first failure, none of its later events may be delivered.
   */
  deliver(records: readonly OutboxRecord[], tx: SqlExecutor): Promise<SinkResult>;
  /** Called once the delivered records are marked published. */
  afterCommit?(records: readonly OutboxRecord[]): void;
}

export interface OutboxRelayOptions {
  /** Events per transaction. */
  readonly batchSize?: number;
  /** LISTEN for commits on other instances (PostgreSQL). PGlite serves one session, so it relies on `wake`. */
  readonly listen?: boolean;
  /** A slow poll in case a wake-up is missed (a notification lost while the listener reconnected). */
  readonly safetyPollMs?: number;
  /** First delay after a failed delivery; doubles up to `retryMaxMs`. */
  readonly retryFirstMs?: number;
  readonly retryMaxMs?: number;
  /** How soon to look again when another instance holds the relay lock. */
  readonly busyRetryMs?: number;
}

/** An outbox row as selected; the in-process bus reads the same rows. */
export interface OutboxRow {
  seq: number;
  id: string;
  type: string;
  aggregate_id: string;
  payload_type: string;
  payload: Uint8Array;
  occurred_at: Date;
}

/** Arbitrary but fixed (see migrator.ts and the signing-key store for its neighbours). */
const RELAY_LOCK_KEY = 725_193_003;

type BatchOutcome =
  | { readonly kind: "busy" }
  | { readonly kind: "relayed"; readonly read: number; readonly failure?: unknown };

/**
 * Publishes committed outbox events, oldest first, through a sink, and marks them published.
 *
 * One instance relays at a time: each batch runs in a transaction that first takes a transaction-scoped
 * advisory lock (pg_try_advisory_xact_lock); an instance that finds it taken backs off briefly. Row locks with
 * SKIP LOCKED would let two instances publish neighbouring batches at once and so interleave an aggregate's
 * events out of order; the single lock keeps outbox order, and a crashed holder releases it with its
 * connection. A crash between publishing and the commit of the mark republishes those events; JetStream's
 * duplicate window drops them by Nats-Msg-Id.
 *
 * It wakes on `wake()` (the in-process after-commit signal), on NOTIFY from other instances when listening,
 * and on a slow safety poll. A failed delivery backs off exponentially (capped), so an outage of minutes
 * costs a few attempts a minute, and the backlog drains when the sink answers again.
 */
export class OutboxRelay {
  private readonly batchSize: number;
  private readonly safetyPollMs: number;
  private readonly retryFirstMs: number;
  private readonly retryMaxMs: number;
  private readonly busyRetryMs: number;

  private started = false;
  private stopped = false;
  private running: Promise<void> | undefined;
  private wakeAgain = false;
  private failures = 0;
  private retryAt = 0;
  private retryTimer: NodeJS.Timeout | undefined;
  private pollTimer: NodeJS.Timeout | undefined;
  private unlisten: (() => Promise<void>) | undefined;

  constructor(
    private readonly sql: Sql,
    private readonly sink: OutboxSink,
    private readonly deps: { readonly logger: Logger; readonly metrics: Metrics },
    private readonly options: OutboxRelayOptions = {},
  ) {
    this.batchSize = options.batchSize ?? 500;
    this.safetyPollMs = options.safetyPollMs ?? 5000;
    this.retryFirstMs = options.retryFirstMs ?? 250;
    this.retryMaxMs = options.retryMaxMs ?? 15_000;
    this.busyRetryMs = options.busyRetryMs ?? 200;
  }

  async start(): Promise<void> {
    if (this.started) return;
    this.started = true;
    if (this.options.listen) {
      // postgres.js gives LISTEN a dedicated connection and re-listens after reconnecting; onlisten runs on
      // every (re)connect, so events committed while it was away are picked up then.
      const { unlisten } = await this.sql.listen(
        OUTBOX_CHANNEL,
        () => this.wake(),
        () => this.wake(),
      );
      this.unlisten = unlisten;
    }
    this.pollTimer = setInterval(() => {
      this.wake();
      // Also while backing off, so the lag gauge keeps growing during an outage instead of freezing.
      if (!this.running) void this.recordLag();
    }, this.safetyPollMs);
    this.pollTimer.unref();
    this.wake();
  }

  /** Relay soon. Calls while a pass runs coalesce into one more pass; calls during a backoff wait for it. */
  wake(): void {
    if (!this.started || this.stopped) return;
    if (this.running) {
      this.wakeAgain = true;
      return;
    }
    if (Date.now() < this.retryAt) return;
    this.running = this.pass().finally(() => {
      this.running = undefined;
      if (this.wakeAgain && !this.stopped) {
        this.wakeAgain = false;
        this.wake();
      }
    });
  }

  /** The sink is back (NATS reconnected): end any backoff and relay now. */
  retryNow(): void {
    clearTimeout(this.retryTimer);
    this.retryAt = 0;
    this.wake();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.pollTimer);
    clearTimeout(this.retryTimer);
    await this.running;
    await this.unlisten?.().catch(() => {});
  }

  /** Age of the oldest unpublished event in seconds (0 when none waits). */
  async lagSeconds(): Promise<number> {
    const [oldest] = await this.sql<{ occurred_at: Date }[]>`
      select occurred_at from outbox where published_at is null order by seq limit 1`;
    return oldest ? Math.max(0, (Date.now() - oldest.occurred_at.getTime()) / 1000) : 0;
  }

  /** Relays batches until the outbox is empty, another instance holds the lock, or delivery fails. */
  private async pass(): Promise<void> {
    // Whether the pass read the outbox to its end and delivered everything: the lag is then 0 without asking
    // the database again (one scan of the unpublished index less per pass, and a pass runs per commit).
    let drained = false;
    try {
      for (;;) {
        const outcome = await this.relayBatch();
        if (outcome.kind === "busy") {
          this.retryIn(this.busyRetryMs);
          break;
        }
        if (outcome.failure !== undefined) throw outcome.failure;
        if (this.failures > 0) {
          this.deps.logger.info({ failures: this.failures }, "outbox relay delivering again");
          this.failures = 0;
        }
        if (outcome.read < this.batchSize) {
          drained = true;
          break;
        }
        if (this.stopped) break;
      }
    } catch (error) {
      this.failures += 1;
      this.deps.metrics.outboxPublishFailures.inc();
      const delay = Math.min(this.retryMaxMs, this.retryFirstMs * 2 ** Math.min(this.failures - 1, 20));
      // Jitter spreads the retries of many instances after a shared outage.
      this.retryIn(Math.round(delay * (0.8 + Math.random() * 0.4)));
      const log = { err: error, failures: this.failures, retryInMs: delay };
      if (this.failures === 1 || this.failures % 20 === 0) {
        this.deps.logger.warn(log, "outbox relay cannot deliver; events wait in the outbox");
      } else {
        this.deps.logger.debug(log, "outbox relay delivery failed again");
      }
    }
    if (drained) this.deps.metrics.outboxLag.set(0);
    else await this.recordLag();
  }

  private async relayBatch(): Promise<BatchOutcome> {
    let delivered: OutboxRecord[] = [];
    const outcome = await this.sql.begin(async (tx): Promise<BatchOutcome> => {
      const [lock] = await tx<
        { locked: boolean }[]
      >`select pg_try_advisory_xact_lock(${RELAY_LOCK_KEY}) as locked`;
      if (!lock?.locked) return { kind: "busy" };
      const rows = await tx<OutboxRow[]>`
        select seq, id, type, aggregate_id, payload_type, payload, occurred_at
        from outbox where published_at is null order by seq limit ${this.batchSize}`;
      if (rows.length === 0) return { kind: "relayed", read: 0 };
      const records = rows.map(toRecord);
      const result = await this.sink.deliver(records, tx);
      if (result.delivered.length > 0) {
        const seqs = new Set(result.delivered);
        delivered = records.filter((r) => seqs.has(r.seq));
        await tx`update outbox set published_at = now() where seq in ${tx(delivered.map((r) => r.seq))}`;
      }
      return result.error === undefined && delivered.length === records.length
        ? { kind: "relayed", read: rows.length }
        : {
            kind: "relayed",
            read: rows.length,
            failure: result.error ?? new Error("events left undelivered"),
          };
    });
    if (delivered.length > 0) {
      this.deps.metrics.outboxPublished.inc(delivered.length);
      this.sink.afterCommit?.(delivered);
    }
    return outcome;
  }

  private retryIn(ms: number): void {
    clearTimeout(this.retryTimer);
    this.retryAt = Date.now() + ms;
    this.retryTimer = setTimeout(() => {
      this.retryAt = 0;
      this.wake();
    }, ms);
    this.retryTimer.unref();
  }

  private async recordLag(): Promise<void> {
    try {
      this.deps.metrics.outboxLag.set(await this.lagSeconds());
    } catch {
      // The database is unreachable; /readyz reports it, and the gauge keeps its last value.
    }
  }
}

export const toRecord = (r: OutboxRow): OutboxRecord => ({
  seq: r.seq,
  id: r.id,
  type: r.type,
  aggregateId: r.aggregate_id,
  payloadType: r.payload_type,
  payload: r.payload,
  occurredAt: r.occurred_at,
});
