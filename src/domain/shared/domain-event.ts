/**
 * A fact that happened, recorded in the outbox in the same transaction as the change it reports.
 * `type` is "<context>.<event>"; it names the NATS subject `shopfloor.events.<type>`.
 */
export interface DomainEvent<Type extends string = string, Payload = unknown> {
  readonly id: string;
  readonly type: Type;
  /** The id of the thing the event is about; events of one aggregate are delivered in order. */
  readonly aggregateId: string;
  readonly occurredAt: Date;
  readonly payload: Payload;
}

/** Appends events inside the caller's transaction (see UnitOfWork). */
export interface EventOutbox {
  append(event: DomainEvent): Promise<void>;
}
