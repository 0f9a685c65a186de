import { pino } from "pino";
import { ensureEventStream } from "../../src/adapters/nats/event-stream.js";
import { JetStreamConnection } from "../../src/adapters/nats/jetstream-connection.js";
import { JetStreamEventPublisher } from "../../src/adapters/nats/jetstream-event-publisher.js";
import { Metrics } from "../../src/adapters/observability/metrics.js";
import { connectDatabase } from "../../src/adapters/postgres/database.js";
import { OutboxRelay, type OutboxSink } from "../../src/adapters/postgres/outbox-relay.js";

// A relay process for the crash test: it publishes one batch to JetStream, says so on stdout, and then
// hangs inside its transaction, before the batch is marked published, waiting to be killed with SIGKILL.
// Usage: tsx relay-until-published.ts <database url> <nats url>

const [databaseUrl, natsUrl] = process.argv.slice(2);
if (!databaseUrl || !natsUrl) throw new Error("usage: relay-until-published <database url> <nats url>");
const logger = pino({ level: "silent" });
const sql = connectDatabase(databaseUrl, { max: 2 });
const nats = await JetStreamConnection.connect(natsUrl, logger);
const ensureStream = () =>
  ensureEventStream(nats.jsm, {
    name: "SHOPFLOOR_EVENTS",
    maxAgeMs: 86_400_000,
    duplicateWindowMs: 120_000,
    replicas: 1,
  });
await ensureStream();
const publisher = new JetStreamEventPublisher({
  js: nats.js,
  isConnected: () => nats.isConnected,
  ensureStream,
  logger,
});
const sink: OutboxSink = {
  async deliver(records) {
    const result = await publisher.deliver(records);
    process.stdout.write(`published ${result.delivered.length}\n`);
    return new Promise(() => {});
  },
};
const relay = new OutboxRelay(sql, sink, { logger, metrics: new Metrics() }, { batchSize: 10_000 });
await relay.start();
