import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from "prom-client";

/** The Prometheus registry of one process, served at /metrics. One instance per app (tests start several). */
export class Metrics {
  readonly registry = new Registry();

  readonly rpcRequests = new Counter({
    name: "shopfloor_rpc_requests_total",
    help: "RPCs handled, by service, method, surface (connect, grpc-web, grpc) and result code.",
    labelNames: ["service", "method", "protocol", "code"] as const,
    registers: [this.registry],
  });

  readonly rpcDuration = new Histogram({
    name: "shopfloor_rpc_duration_seconds",
    help: "Time to handle an RPC (unary: to the response; streams: to the first message).",
    labelNames: ["service", "method"] as const,
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers: [this.registry],
  });

  readonly outboxLag = new Gauge({
    name: "shopfloor_outbox_lag_seconds",
    help: "Age of the oldest event not yet published from the outbox (0 when none waits).",
    registers: [this.registry],
  });

  readonly outboxPublished = new Counter({
    name: "shopfloor_outbox_published_total",
    help: "Events published from the outbox.",
    registers: [this.registry],
  });

  readonly outboxPublishFailures = new Counter({
    name: "shopfloor_outbox_publish_failures_total",
    help: "Relay attempts that failed (the events stay in the outbox and are retried).",
    registers: [this.registry],
  });

  readonly consumerDeliveries = new Counter({
    name: "shopfloor_consumer_deliveries_total",
    help: "Events handed to durable consumers, by consumer and outcome (acked, retried, dead_lettered).",
    labelNames: ["consumer", "outcome"] as const,
    registers: [this.registry],
  });

  readonly consumerRedeliveries = new Counter({
    name: "shopfloor_consumer_redeliveries_total",
    help: "Deliveries to durable consumers that were not the first delivery of their event.",
    labelNames: ["consumer"] as const,
    registers: [this.registry],
  });

  readonly consumerDeadLetters = new Counter({
    name: "shopfloor_consumer_dead_letters_total",
    help: "Events a consumer gave up on and recorded in dead_letters.",
    labelNames: ["consumer"] as const,
    registers: [this.registry],
  });

  readonly jobRuns = new Counter({
    name: "shopfloor_job_runs_total",
    help: "Scheduled job runs, by job and outcome (succeeded, retried, dead; failed for periodic jobs).",
    labelNames: ["job", "outcome"] as const,
    registers: [this.registry],
  });

  readonly placeOrderWaiting = new Gauge({
    name: "shopfloor_place_order_waiting",
    help: "PlaceOrders queued for the next batch while every batch slot is busy (group commit).",
    registers: [this.registry],
  });

  readonly placeOrderBatchSize = new Histogram({
    name: "shopfloor_place_order_batch_size",
    help: "Orders per PlaceOrder batch (one transaction).",
    buckets: [1, 2, 4, 8, 16, 32, 64, 128],
    registers: [this.registry],
  });

  constructor() {
    collectDefaultMetrics({ register: this.registry });
  }
}
