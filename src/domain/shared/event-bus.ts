import type { DomainEvent } from "./domain-event.js";
import type { StopHandle } from "./stop-handle.js";

/** One delivery of an event to a durable consumer. */
export interface Delivery {
  /** 1 on the first delivery, 2 on the first redelivery, and so on. */
  readonly attempt: number;
}

/**
 * A durable consumer: it receives every event of its types published after it was first started, at least
 * once, on exactly one of the instances that run it. `handle` resolving acknowledges the event, so it must
 * resolve only after its work has committed; throwing asks for a redelivery later, and after a bounded
 * number of attempts the event is dead-lettered. Redeliveries happen, so handlers are idempotent on the
 * event id (see `transactionalConsumer`).
 */
export interface EventConsumer {
  /**
   * Durable name shared by every instance that runs this consumer and kept across restarts, e.g.
   * "ordering-stock-reservations": letters, digits, '-' and '_' only.
   */
  readonly name: string;
  /** Event types ("<context>.<event>") it receives; others are never handed to it. */
  readonly eventTypes: readonly string[];
  handle(event: DomainEvent, delivery: Delivery): Promise<void>;
}

/** Which live events a subscriber wants: one type, optionally of one aggregate. */
export interface LiveEventFilter {
  readonly type: string;
  readonly aggregateId?: string | undefined;
}

/** The events published by the outbox relay, as seen by consumers. */
export interface EventBus {
  /** Starts a durable consumer on this instance. Stopping it finishes the event in hand and takes no more. */
  consume(consumer: EventConsumer): Promise<StopHandle>;
  /**
   * Listens to events published from now on, by any instance, while subscribed: nothing is stored or
   * redelivered and nothing needs acknowledging (made for streaming changes to a client, e.g. WatchOrder).
   * Resolves once listening, so a caller can subscribe first and then read current state without a gap.
   */
  subscribe(filter: LiveEventFilter, listener: (event: DomainEvent) => void): Promise<StopHandle>;
}

/** Durable consumer names become NATS consumer names, which allow no '.', '*', '>' or spaces. */
export const CONSUMER_NAME = /^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/;
