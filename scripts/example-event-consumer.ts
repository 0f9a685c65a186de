import { fromBinary } from "@bufbuild/protobuf";
import { AckPolicy, connect, DeliverPolicy } from "nats";
import { UserRegisteredSchema } from "../gen/shopfloor/events/v1/events_pb.js";

// What a worker in another service needs to consume Shopfloor's events (docs/events.md): a durable pull
// consumer on the SHOPFLOOR_EVENTS stream, filtered to the subjects it wants, that decodes the protobuf
// payload named by the Shopfloor-Event-Type header, skips event ids it has already handled, and acks only
// after its own work is done.
//
//   NATS_URL=nats://127.0.0.1:4222 npx tsx scripts/example-event-consumer.ts

const nc = await connect({ servers: process.env.NATS_URL ?? "nats://127.0.0.1:4222" });
const jsm = await nc.jetstreamManager();
await jsm.consumers.add("SHOPFLOOR_EVENTS", {
  durable_name: "example-welcome-mailer",
  filter_subject: "shopfloor.events.identity.user_registered",
  ack_policy: AckPolicy.Explicit,
  deliver_policy: DeliverPolicy.New,
  max_deliver: 10,
});
const consumer = await nc.jetstream().consumers.get("SHOPFLOOR_EVENTS", "example-welcome-mailer");

// Stand-in for the consumer's own store: keep handled ids where the work is written, in the same transaction.
const handled = new Set<string>();

const messages = await consumer.consume();
process.once("SIGINT", () => messages.stop());
for await (const m of messages) {
  const eventId = m.headers?.get("Nats-Msg-Id") ?? "";
  if (m.headers?.get("Shopfloor-Event-Type") !== UserRegisteredSchema.typeName) {
    m.term(); // Not the payload this consumer understands: never redeliver it.
    continue;
  }
  if (!handled.has(eventId)) {
    const user = fromBinary(UserRegisteredSchema, m.data);
    process.stdout.write(`welcome ${user.username} <${user.email}> (${user.role}), event ${eventId}\n`);
    handled.add(eventId);
  }
  m.ack();
}
await nc.close();
