import type { Metrics } from "../adapters/observability/metrics.js";
import { WebhookMetrics } from "../adapters/observability/webhook-metrics.js";
import type { Sql } from "../adapters/postgres/database.js";
import { PostgresProcessedEvents } from "../adapters/postgres/postgres-processed-events.js";
import { PostgresScheduledJobs } from "../adapters/postgres/postgres-scheduled-jobs.js";
import { PostgresUnitOfWork } from "../adapters/postgres/postgres-unit-of-work.js";
import { PostgresWebhookDeliveryRepository } from "../adapters/postgres/postgres-webhook-delivery-repository.js";
import { PostgresWebhookRepository } from "../adapters/postgres/postgres-webhook-repository.js";
import { HttpWebhookSender } from "../adapters/webhooks/http-webhook-sender.js";
import { PublicAddressGuard, type ResolveHost } from "../adapters/webhooks/public-address-guard.js";
import { RandomWebhookSecrets } from "../adapters/webhooks/random-webhook-secrets.js";
import { webhookDeliveryConsumer } from "../domain/manufacturing/enqueue-webhook-deliveries.js";
import { runWebhookAttempts } from "../domain/manufacturing/webhook-attempts.js";
import type { WebhookDeps, WebhookTx } from "../domain/manufacturing/webhook-ports.js";
import type { Clock } from "../domain/shared/clock.js";
import type { EventBus } from "../domain/shared/event-bus.js";
import type { IdGenerator } from "../domain/shared/id-generator.js";
import type { JobScheduler } from "../domain/shared/job-scheduler.js";
import type { PageTokens } from "../domain/shared/page-tokens.js";
import type { StopHandle } from "../domain/shared/stop-handle.js";
import type { Config } from "./config.js";

// Part of the composition root: the outbound webhooks of the manufacturing context (their repositories, the
// SSRF guard, the signed HTTP sender), the consumer that turns purchase events into deliveries, and the
// scheduler handler that makes their attempts.

export interface Webhooks {
  readonly deps: WebhookDeps;
  /** Stops taking attempts (waits for those in flight), then closes idle connections. */
  readonly stop: () => Promise<void>;
}

export async function createWebhooks(
  config: Config,
  deps: {
    readonly sql: Sql;
    readonly events: EventBus;
    readonly jobs: JobScheduler;
    readonly metrics: Metrics;
    readonly pageTokens: PageTokens;
    readonly clock: Clock;
    readonly ids: IdGenerator;
    readonly wakeRelay: () => void;
    /** Tests resolve made-up host names with it; production uses the system resolver. */
    readonly resolveHost?: ResolveHost | undefined;
  },
): Promise<Webhooks> {
  const { sql } = deps;
  const guard = new PublicAddressGuard({
    allowPrivate: config.webhooks.allowPrivate,
    resolve: deps.resolveHost,
  });
  const sender = new HttpWebhookSender(guard, {
    timeoutMs: config.webhooks.timeoutMs,
    userAgent: "Shopfloor-Webhooks/1",
  });
  const webhookDeps: WebhookDeps = {
    uow: new PostgresUnitOfWork<WebhookTx>(
      sql,
      (tx) => ({
        webhooks: new PostgresWebhookRepository(tx),
        deliveries: new PostgresWebhookDeliveryRepository(tx),
        jobs: new PostgresScheduledJobs(tx),
        processedEvents: new PostgresProcessedEvents(tx),
      }),
      deps.wakeRelay,
    ),
    webhooks: new PostgresWebhookRepository(sql),
    deliveries: new PostgresWebhookDeliveryRepository(sql),
    guard,
    secrets: new RandomWebhookSecrets(),
    sender,
    observer: new WebhookMetrics(deps.metrics.registry),
    pageTokens: deps.pageTokens,
    clock: deps.clock,
    ids: deps.ids,
    schedule: { baseMs: config.webhooks.retryBaseMs, maxAgeMs: config.webhooks.retryMaxAgeMs },
    allowPrivate: config.webhooks.allowPrivate,
    disableAfterMs: config.webhooks.disableAfterMs,
    perEndpointConcurrency: config.webhooks.endpointConcurrency,
  };
  const attempts: StopHandle = runWebhookAttempts(webhookDeps, deps.jobs, config.webhooks.concurrency);
  const consumer = await deps.events.consume(webhookDeliveryConsumer(webhookDeps));
  return {
    deps: webhookDeps,
    async stop() {
      await consumer.stop();
      // Unregistering takes no new attempts at once; closing the sender cuts the ones in flight, which
      // would otherwise hold shutdown for up to WEBHOOK_TIMEOUT. Their jobs run again after the lease.
      const stopping = attempts.stop();
      sender.close();
      await stopping;
    },
  };
}
