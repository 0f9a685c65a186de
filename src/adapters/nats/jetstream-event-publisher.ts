import { ErrorCode, type JetStreamClient, NatsError } from "nats";
import type { Logger } from "pino";
import type { OutboxRecord, OutboxSink, SinkResult } from "../postgres/outbox-relay.js";
import { toEventMessage } from "./event-message.js";
import type { EventSubjects } from "./event-subjects.js";

export interface JetStreamEventPublisherDeps {
  readonly js: JetStreamClient;
  /** The deployment's event subjects (NATS_SUBJECT_PREFIX); the default prefix when absent. */
  readonly subjects?: EventSubjects;
  /** False while the connection is down: publishing then fails at once instead of timing out. */
  readonly isConnected: () => boolean;
  /** Recreates the stream when publishes find no stream to answer them (someone deleted it). */
  readonly ensureStream: () => Promise<void>;
  readonly logger: Logger;
  /** How long to wait for JetStream's acknowledgement of one event. */
  readonly publishTimeoutMs?: number;
}

/**
 * The relay's sink for JetStream: publishes each record with `Nats-Msg-Id` = event id and the payload-type
 * headers, and reports which ones JetStream acknowledged (a duplicate acknowledgement counts: the event is
 * in the stream).
 *
 * Records of different aggregates are published concurrently (pipelined on the one connection, for
 * throughput); those of one aggregate strictly one after another, each only after the previous one was
 * acknowledged, so a failure can never let a later event of an aggregate into the stream before an earlier.
 */
export class JetStreamEventPublisher implements OutboxSink {
  private ensuringStream: Promise<void> | undefined;

  constructor(private readonly deps: JetStreamEventPublisherDeps) {}

  async deliver(records: readonly OutboxRecord[]): Promise<SinkResult> {
    if (!this.deps.isConnected()) return { delivered: [], error: new Error("NATS is disconnected") };
    const chains = new Map<string, OutboxRecord[]>();
    for (const record of records) {
      const chain = chains.get(record.aggregateId);
      if (chain) chain.push(record);
      else chains.set(record.aggregateId, [record]);
    }
    const delivered: number[] = [];
    let error: unknown;
    await Promise.all(
      [...chains.values()].map(async (chain) => {
        for (const record of chain) {
          try {
            await this.publish(record);
            delivered.push(record.seq);
          } catch (e) {
            error ??= e;
            return;
          }
        }
      }),
    );
    if (error instanceof NatsError && error.code === ErrorCode.NoResponders) this.recreateStream();
    return error === undefined ? { delivered } : { delivered, error };
  }

  private async publish(record: OutboxRecord): Promise<void> {
    const { subject, headers } = toEventMessage(record, this.deps.subjects);
    await this.deps.js.publish(subject, record.payload, {
      msgID: record.id,
      headers,
      timeout: this.deps.publishTimeoutMs ?? 5000,
    });
  }

  private recreateStream(): void {
    this.ensuringStream ??= this.deps
      .ensureStream()
      .then(() => this.deps.logger.warn("events stream was missing; recreated it"))
      .catch((error: unknown) => this.deps.logger.error({ err: error }, "cannot recreate the events stream"))
      .finally(() => {
        this.ensuringStream = undefined;
      });
  }
}
