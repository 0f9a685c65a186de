import { connect } from "nats";

export interface StoredEvent {
  readonly seq: number;
  readonly subject: string;
  readonly id: string;
  readonly aggregateId: string;
  readonly payloadType: string;
  readonly occurredAt: string;
  readonly data: Uint8Array;
}

/** Every message in `stream`, in stream order, read through a connection of the test's own. */
export async function readStream(natsUrl: string, stream: string): Promise<StoredEvent[]> {
  const nc = await connect({ servers: natsUrl });
  try {
    const jsm = await nc.jetstreamManager();
    const { state } = await jsm.streams.info(stream);
    if (state.messages === 0) return [];
    const consumer = await nc.jetstream().consumers.get(stream);
    const out: StoredEvent[] = [];
    while (out.length < state.messages) {
      const before = out.length;
      const messages = await consumer.fetch({
        max_messages: Math.min(1000, state.messages - out.length),
        expires: 2000,
      });
      for await (const m of messages) {
        out.push({
          seq: m.seq,
          subject: m.subject,
          id: m.headers?.get("Nats-Msg-Id") ?? "",
          aggregateId: m.headers?.get("Shopfloor-Aggregate-Id") ?? "",
          payloadType: m.headers?.get("Shopfloor-Event-Type") ?? "",
          occurredAt: m.headers?.get("Shopfloor-Occurred-At") ?? "",
          data: m.data,
        });
      }
      if (out.length === before) throw new Error(`read ${out.length} of ${state.messages} messages`);
    }
    return out;
  } finally {
    await nc.close();
  }
}
