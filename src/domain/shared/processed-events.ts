/**
 * Remembers which events each consumer has handled, inside the consumer's transaction, so a redelivered
 * event changes nothing twice.
 */
export interface ProcessedEvents {
  /** Records that `consumer` handled `eventId`; false when it already had, and the work must be skipped. */
  markProcessed(consumer: string, eventId: string): Promise<boolean>;
}
