import { type ConsumerMessages, DeliverPolicy, type JetStreamClient } from "nats";
import type { Logger } from "pino";
import type { DomainEvent } from "../../domain/shared/domain-event.js";
import type { LiveEventFilter } from "../../domain/shared/event-bus.js";
import type { StopHandle } from "../../domain/shared/stop-handle.js";
import { decodeLiveEvent } from "../events/event-decoding.js";
import { LiveEventFanout } from "../events/live-event-fanout.js";
import { fromEventMessage } from "./event-message.js";
import { DEFAULT_EVENT_SUBJECTS, type EventSubjects } from "./event-subjects.js";

/**
 * Live events from JetStream for in-process listeners: one ordered consumer per event type while anyone on
 * this instance listens to it. Ordered consumers are ephemeral, unacknowledged and start at new messages;
 * the client recreates one that lost its place (after a gap or a NATS restart) from the last sequence seen.
 */
export class JetStreamLiveEvents {
  private readonly fanout: LiveEventFanout;
  private readonly feeds = new Map<string, Promise<ConsumerMessages>>();

  constructor(
    private readonly js: JetStreamClient,
    private readonly stream: string,
    private readonly logger: Logger,
    private readonly subjects: EventSubjects = DEFAULT_EVENT_SUBJECTS,
  ) {
    this.fanout = new LiveEventFanout(logger);
  }

  async subscribe(filter: LiveEventFilter, listener: (event: DomainEvent) => void): Promise<StopHandle> {
    const remove = this.fanout.add(filter, listener);
    try {
      await this.feedOf(filter.type);
    } catch (error) {
      remove();
      throw error;
    }
    let stopped = false;
    return {
      stop: async () => {
        if (stopped) return;
        stopped = true;
        remove();
        if (this.fanout.listenerCount(filter.type) === 0) await this.closeFeed(filter.type);
      },
    };
  }

  async stop(): Promise<void> {
    await Promise.all([...this.feeds.keys()].map((type) => this.closeFeed(type)));
  }

  private feedOf(type: string): Promise<ConsumerMessages> {
    let feed = this.feeds.get(type);
    if (!feed) {
      feed = this.openFeed(type);
      this.feeds.set(type, feed);
      feed.catch(() => {
        if (this.feeds.get(type) === feed) this.feeds.delete(type);
      });
    }
    return feed;
  }

  private async openFeed(type: string): Promise<ConsumerMessages> {
    const consumer = await this.js.consumers.get(this.stream, {
      filterSubjects: this.subjects.of(type),
      deliver_policy: DeliverPolicy.New,
    });
    // Resolves once the server-side consumer exists: events stored from then on reach the listeners.
    return consumer.consume({
      callback: (m) => {
        const envelope = fromEventMessage(m, this.subjects);
        if (!envelope) return;
        try {
          this.fanout.dispatch(decodeLiveEvent(envelope));
        } catch (error) {
          this.logger.warn({ err: error, type, eventId: envelope.id }, "live event dropped: cannot decode");
        }
      },
    });
  }

  private async closeFeed(type: string): Promise<void> {
    const feed = this.feeds.get(type);
    if (!feed) return;
    this.feeds.delete(type);
    const messages = await feed.catch(() => undefined);
    await messages?.close();
  }
}
