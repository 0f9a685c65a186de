import type { DomainEvent } from "../../domain/shared/domain-event.js";
import type { EventBus, EventConsumer, LiveEventFilter } from "../../domain/shared/event-bus.js";
import type { StopHandle } from "../../domain/shared/stop-handle.js";
import { type JetStreamConsumerDeps, startJetStreamDurableConsumer } from "./jetstream-durable-consumer.js";
import { JetStreamLiveEvents } from "./jetstream-live-events.js";

/** The event bus on NATS JetStream: durable pull consumers, and live events through ordered consumers. */
export class JetStreamEventBus implements EventBus {
  private readonly live: JetStreamLiveEvents;
  private readonly consumers = new Set<StopHandle>();

  constructor(private readonly deps: JetStreamConsumerDeps) {
    this.live = new JetStreamLiveEvents(deps.js, deps.stream, deps.logger, deps.subjects);
  }

  async consume(consumer: EventConsumer): Promise<StopHandle> {
    const handle = await startJetStreamDurableConsumer(consumer, this.deps);
    this.consumers.add(handle);
    return {
      stop: async () => {
        this.consumers.delete(handle);
        await handle.stop();
      },
    };
  }

  subscribe(filter: LiveEventFilter, listener: (event: DomainEvent) => void): Promise<StopHandle> {
    return this.live.subscribe(filter, listener);
  }

  /** Stops every consumer (each finishes the event in hand) and live feed. */
  async stop(): Promise<void> {
    const consumers = [...this.consumers];
    this.consumers.clear();
    await Promise.all([...consumers.map((c) => c.stop()), this.live.stop()]);
  }
}
