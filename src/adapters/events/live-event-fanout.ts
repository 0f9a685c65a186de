import type { Logger } from "pino";
import type { DomainEvent } from "../../domain/shared/domain-event.js";
import type { LiveEventFilter } from "../../domain/shared/event-bus.js";

type Listener = (event: DomainEvent) => void;

interface Entry {
  readonly filter: LiveEventFilter;
  readonly listener: Listener;
}

/** The listeners of one event type: those of every aggregate, and those of one, indexed by its id. */
interface TypeListeners {
  readonly any: Set<Entry>;
  readonly byAggregate: Map<string, Set<Entry>>;
  size: number;
}

/**
 * Hands each live event to the in-process listeners whose filter matches. Both buses feed one of these, so
 * a thousand WatchOrder streams on an instance cost one feed per event type, not one each; and listeners of
 * one aggregate are indexed by its id, so an event costs work in proportion to the watchers of its
 * aggregate, not to every watcher of its type.
 */
export class LiveEventFanout {
  private readonly byType = new Map<string, TypeListeners>();

  constructor(private readonly logger: Logger) {}

  /** Adds a listener; the returned function removes it. */
  add(filter: LiveEventFilter, listener: Listener): () => void {
    const entry: Entry = { filter, listener };
    let listeners = this.byType.get(filter.type);
    if (!listeners) {
      listeners = { any: new Set(), byAggregate: new Map(), size: 0 };
      this.byType.set(filter.type, listeners);
    }
    const { aggregateId } = filter;
    let set = listeners.any;
    if (aggregateId !== undefined) {
      set = listeners.byAggregate.get(aggregateId) ?? new Set();
      listeners.byAggregate.set(aggregateId, set);
    }
    set.add(entry);
    listeners.size += 1;
    let removed = false;
    return () => {
      if (removed) return;
      removed = true;
      set.delete(entry);
      const current = this.byType.get(filter.type);
      if (!current) return;
      current.size -= 1;
      if (aggregateId !== undefined && set.size === 0) current.byAggregate.delete(aggregateId);
      if (current.size === 0) this.byType.delete(filter.type);
    };
  }

  listenerCount(type: string): number {
    return this.byType.get(type)?.size ?? 0;
  }

  /** Listeners of the aggregate's own set: what an event of it costs to fan out. */
  listenerCountOf(type: string, aggregateId: string): number {
    return this.byType.get(type)?.byAggregate.get(aggregateId)?.size ?? 0;
  }

  dispatch(event: DomainEvent): void {
    const listeners = this.byType.get(event.type);
    if (!listeners) return;
    const own = listeners.byAggregate.get(event.aggregateId);
    for (const set of own ? [listeners.any, own] : [listeners.any]) {
      for (const { listener } of [...set]) {
        try {
          listener(event);
        } catch (error) {
          // One broken listener must not starve the others or the feed.
          this.logger.error({ err: error, type: event.type }, "live event listener threw");
        }
      }
    }
  }
}
