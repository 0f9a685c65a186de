import { type MsgHdrs, headers as natsHeaders } from "nats";
import { isId } from "../../domain/shared/id-format.js";
import type { EventEnvelope } from "../events/event-decoding.js";
import { DEFAULT_EVENT_SUBJECTS, type EventSubjects } from "./event-subjects.js";

/** The headers of an event message (documented in the README for consumers in other services). */
export const EVENT_HEADERS = {
  /** The event id (UUIDv7); JetStream drops a second message with the same id within its duplicate window. */
  id: "Nats-Msg-Id",
  /** Full protobuf message name of the payload, e.g. "shopfloor.events.v1.UserRegistered". */
  payloadType: "Shopfloor-Event-Type",
  /** When the change happened, RFC 3339 with milliseconds in UTC. */
  occurredAt: "Shopfloor-Occurred-At",
  /** The id of the thing the event is about; events of one aggregate are published in order. */
  aggregateId: "Shopfloor-Aggregate-Id",
} as const;

/** Subject and headers of an event message; the payload is the envelope's protobuf bytes. */
export function toEventMessage(
  envelope: EventEnvelope,
  subjects: EventSubjects = DEFAULT_EVENT_SUBJECTS,
): { subject: string; headers: MsgHdrs } {
  const headers = natsHeaders();
  headers.set(EVENT_HEADERS.id, envelope.id);
  headers.set(EVENT_HEADERS.payloadType, envelope.payloadType);
  headers.set(EVENT_HEADERS.occurredAt, envelope.occurredAt.toISOString());
  headers.set(EVENT_HEADERS.aggregateId, envelope.aggregateId);
  return { subject: subjects.of(envelope.type), headers };
}

/** The envelope of a received event message, or undefined when it is not one of ours (no usable id). */
export function fromEventMessage(
  message: {
    readonly subject: string;
    readonly headers?: MsgHdrs | undefined;
    readonly data: Uint8Array;
  },
  subjects: EventSubjects = DEFAULT_EVENT_SUBJECTS,
): EventEnvelope | undefined {
  const h = message.headers;
  const id = h?.get(EVENT_HEADERS.id) ?? "";
  const type = subjects.typeOf(message.subject);
  if (!isId(id) || type === undefined) return undefined;
  const occurredAt = new Date(h?.get(EVENT_HEADERS.occurredAt) ?? "");
  return {
    id,
    type,
    aggregateId: h?.get(EVENT_HEADERS.aggregateId) ?? "",
    payloadType: h?.get(EVENT_HEADERS.payloadType) ?? "",
    occurredAt: Number.isNaN(occurredAt.getTime()) ? new Date(0) : occurredAt,
    payload: message.data,
  };
}
