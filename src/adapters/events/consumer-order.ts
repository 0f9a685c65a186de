/**
 * Keeps a durable consumer's events of one aggregate in order across redeliveries, for a bus that redelivers
 * a failed message later while newer ones flow on (JetStream's nak with a delay). An event that failed, or
 * that arrived while an earlier event of its aggregate was held, is held by (consumer, aggregate, stream
 * sequence) until it is handled or dead-lettered; an event is handed to its consumer only when no earlier
 * event of its aggregate is held. Shared by every instance (the holds live in the database), so it holds
 * across instances too.
 */
export interface ConsumerOrder {
  /**
   * Whether an earlier event of the aggregate is held, and, when this event is held itself, its failed
   * attempts so far (undefined when it is not held).
   */
  check(
    consumer: string,
    aggregateId: string,
    seq: number,
  ): Promise<{ blocked: boolean; attempts: number | undefined }>;
  /** Holds the event: after a failed attempt (`failed`), or while it waits behind an earlier one. */
  hold(consumer: string, aggregateId: string, seq: number, failed: boolean): Promise<void>;
  /** The event was handled or dead-lettered: the aggregate's later events may go. */
  release(consumer: string, aggregateId: string, seq: number): Promise<void>;
}
