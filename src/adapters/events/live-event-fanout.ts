import type { Logger } from "pino";
import type { DomainEvent } from "../../domain/shared/domain-event.js";
import type { LiveEventFilter } from "../../domain/shared/event-bus.js";

type Listener = (event: DomainEvent) => void;

interface Entry {
  readonly filter: LiveEventFilter;
  readonly listener: Listener;
}

/**
 * Hands each live event to the in-process listeners whose filter matches. Both buses feed one of these, so
 * a thousand WatchOrder streams on an instance cost one feed per event type, not one each.
 */
export class LiveEventFanout {
  private readonly byType = new Map<string, Set<Entry>>();

  constructor(private readonly logger: Logger) {}

  /** Adds a listener; the returned function removes it. */
  add(filter: LiveEventFilter, listener: Listener): () => void {
    const entry: Entry = { filter, listener };
    let entries = this.byType.get(filter.type);
    if (!entries) {
      entries = new Set();
      this.byType.set(filter.type, entries);
    }
    entries.add(entry);
    return () => {
      const current = this.byType.get(filter.type);
      current?.delete(entry);
      if (current?.size === 0) this.byType.delete(filter.type);
    };
  }

  listenerCount(type: string): number {
    return this.byType.get(type)?.size ?? 0;
  }

  dispatch(event: DomainEvent): void {
    const entries = this.byType.get(event.type);
    if (!entries) return;
    for (const { filter, listener } of [...entries]) {
      if (filter.aggregateId !== undefined && filter.aggregateId !== event.aggregateId) continue;
      try {
        listener(event);
      } catch (error) {
        // One broken listener must not starve the others or the feed.
        this.logger.error({ err: error, type: event.type }, "live event listener threw");
      }
    }
  }
}
