import type { DomainEvent } from "./domain-event.js";
import type { Delivery, EventConsumer } from "./event-bus.js";
import type { ProcessedEvents } from "./processed-events.js";
import type { UnitOfWork } from "./unit-of-work.js";

export interface TransactionalConsumerOptions<Tx extends { readonly processedEvents: ProcessedEvents }> {
  readonly name: string;
  readonly eventTypes: readonly string[];
  readonly uow: UnitOfWork<Tx>;
  /** The work for one event, in the transaction that also records the event as processed. */
  handle(event: DomainEvent, tx: Tx, delivery: Delivery): Promise<void>;
}

/**
 * A consumer whose work and its "processed" mark commit together: a redelivery of an event already handled
 * (its acknowledgement lost, or its instance killed after the commit) finds the mark and does nothing.
 */
export function transactionalConsumer<Tx extends { readonly processedEvents: ProcessedEvents }>(
  options: TransactionalConsumerOptions<Tx>,
): EventConsumer {
  return {
    name: options.name,
    eventTypes: options.eventTypes,
    handle: (event, delivery) =>
      options.uow.run(async (tx) => {
        if (!(await tx.processedEvents.markProcessed(options.name, event.id))) return;
        await options.handle(event, tx, delivery);
      }),
  };
}
