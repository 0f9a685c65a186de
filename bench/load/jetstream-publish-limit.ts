// The limit of SubmitSale, run as its own process by bench/bench.ts: acknowledged JetStream publishes on the
// bench's nats-server, `connections` in flight on one connection (pipelined, as the app's outbox relay
// publishes), each awaited until JetStream acks it. Every message is what the relay sends for a sale: a payload
// of the size of the encoded SaleSubmitted event, the event headers (toEventMessage) and a fresh Nats-Msg-Id,
// into a stream configured as the app's own (ensureEventStream: file storage, the default duplicate window) but
// of its own name and subjects, deleted at the end. Nothing an RPC does besides getting its event into the
// stream is in it: it is what a sale's trip through JetStream allows on this machine.
import { randomBytes } from "node:crypto";
import { connect } from "nats";
import { uuidv7 } from "uuidv7";
import { toEventMessage } from "../../src/adapters/nats/event-message.js";
import { ensureEventStream } from "../../src/adapters/nats/event-stream.js";
import { EventSubjects } from "../../src/adapters/nats/event-subjects.js";
import { closedLoop, inputOf, printResult } from "./load-result.js";

interface Input {
  readonly natsUrl: string;
  readonly connections: number;
  readonly warmupSeconds: number;
  readonly seconds: number;
  /** Size of the app's encoded event payload. */
  readonly payloadBytes: number;
  /** Its type and protobuf message name, for the headers. */
  readonly eventType: string;
  readonly payloadType: string;
}

const input = inputOf<Input>();
const stream = `BENCH_PUBLISH_LIMIT_${process.pid}`;
const subjects = new EventSubjects(`bench.publish-limit.${process.pid}`);
const nc = await connect({ servers: input.natsUrl, name: "bench-publish-limit", timeout: 5000 });
const jsm = await nc.jetstreamManager({ timeout: 5000 });
const js = nc.jetstream({ timeout: 5000 });
await ensureEventStream(jsm, {
  name: stream,
  // The app's defaults (EVENT_RETENTION, NATS_DUPLICATE_WINDOW, NATS_STREAM_REPLICAS).
  maxAgeMs: 7 * 86_400_000,
  duplicateWindowMs: 2 * 60_000,
  replicas: 1,
  subjects,
});
const payload = randomBytes(input.payloadBytes);

try {
  const result = await closedLoop(input.connections, input.warmupSeconds, input.seconds, async () => {
    const id = uuidv7();
    const { subject, headers } = toEventMessage(
      {
        id,
        type: input.eventType,
        aggregateId: uuidv7(),
        payloadType: input.payloadType,
        occurredAt: new Date(),
        payload,
      },
      subjects,
    );
    const ack = await js.publish(subject, payload, { msgID: id, headers, timeout: 5000 });
    if (ack.duplicate) throw new Error("a fresh id was acked as a duplicate");
  });
  printResult(result);
} finally {
  await jsm.streams.delete(stream);
  await nc.drain();
}
