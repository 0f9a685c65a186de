import type { Clock } from "../shared/clock.js";
import type { IdGenerator } from "../shared/id-generator.js";
import type { ScheduledJobs } from "../shared/job-scheduler.js";
import type { PageTokens } from "../shared/page-tokens.js";
import type { ProcessedEvents } from "../shared/processed-events.js";
import type { UnitOfWork } from "../shared/unit-of-work.js";
import type { AttemptResult, DeliveryStatus, WebhookDelivery } from "./webhook-delivery.js";
import type { WebhookEndpoint } from "./webhook-endpoint.js";
import type { RetrySchedule } from "./webhook-retry-schedule.js";

export interface WebhookRepository {
  insert(endpoint: WebhookEndpoint): Promise<void>;
  findById(id: string): Promise<WebhookEndpoint | undefined>;
  /** Reads and locks the endpoint until the transaction ends. */
  findForUpdate(id: string): Promise<WebhookEndpoint | undefined>;
  /** Oldest first; every office's when `officeCode` is undefined. */
  list(officeCode: string | undefined): Promise<WebhookEndpoint[]>;
  /** The office's endpoints that are not disabled. */
  listEnabledForOffice(officeCode: string): Promise<WebhookEndpoint[]>;
  /** Saves secrets, disabled state and failing-since. */
  update(endpoint: WebhookEndpoint): Promise<void>;
  /** Removes it and its deliveries; false when it was not there. */
  delete(id: string): Promise<boolean>;
}

export interface DeliveryListQuery {
  readonly webhookId: string;
  readonly status?: DeliveryStatus | undefined;
  /** Keyset: only deliveries with an id below this one (ids are time-ordered: older). */
  readonly beforeId?: string | undefined;
  readonly limit: number;
}

export interface WebhookDeliveryRepository {
  /** Saves a new delivery; false when the endpoint already has one for this event (a redelivered event). */
  insert(delivery: WebhookDelivery): Promise<boolean>;
  findById(id: string): Promise<WebhookDelivery | undefined>;
  findForUpdate(id: string): Promise<WebhookDelivery | undefined>;
  update(delivery: WebhookDelivery): Promise<void>;
  /** Newest first. */
  list(query: DeliveryListQuery): Promise<WebhookDelivery[]>;
  /** Marks the endpoint's PENDING deliveries FAILED with `reason` (its endpoint was disabled); how many. */
  abandonPending(webhookId: string, reason: string): Promise<number>;
}

export interface WebhookMessage {
  readonly url: string;
  /** webhook-id: the delivery's id. */
  readonly id: string;
  /** webhook-timestamp: when this attempt is made. */
  readonly timestamp: Date;
  readonly body: string;
  /** Each signs the message; all signatures go in one webhook-signature header. */
  readonly secrets: readonly string[];
}

/** POSTs a signed message to an endpoint, checking the address it connects to; never throws for the endpoint's faults. */
export interface WebhookSender {
  send(message: WebhookMessage): Promise<AttemptResult>;
}

/** Whether a URL's host may receive webhooks: resolves it and checks every address. */
export interface WebhookAddressGuard {
  /** Undefined when allowed; otherwise why not, for the caller. */
  refusal(url: URL): Promise<string | undefined>;
}

/** New signing secrets ("whsec_" + base64 of 32 random bytes). */
export interface WebhookSecrets {
  newSecret(): string;
}

/** What webhook deliveries report for metrics. */
export interface WebhookObserver {
  attempted(verdict: "succeeded" | "retry" | "failed", seconds: number): void;
  deadLettered(): void;
}

export interface WebhookTx {
  readonly webhooks: WebhookRepository;
  readonly deliveries: WebhookDeliveryRepository;
  /** Schedules attempts in the transaction that decides them. */
  readonly jobs: ScheduledJobs;
  readonly processedEvents: ProcessedEvents;
}

export interface WebhookDeps {
  readonly uow: UnitOfWork<WebhookTx>;
  readonly webhooks: WebhookRepository;
  readonly deliveries: WebhookDeliveryRepository;
  readonly guard: WebhookAddressGuard;
  readonly secrets: WebhookSecrets;
  readonly sender: WebhookSender;
  readonly observer: WebhookObserver;
  readonly pageTokens: PageTokens;
  readonly clock: Clock;
  readonly ids: IdGenerator;
  readonly schedule: RetrySchedule;
  /** WEBHOOK_ALLOW_PRIVATE: http URLs and internal addresses are accepted (tests, local demos). */
  readonly allowPrivate: boolean;
  /** An endpoint whose attempts have all failed for this long is disabled (5 days). */
  readonly disableAfterMs: number;
  /** Attempts to one endpoint at once on one instance; more wait their turn (see EndpointSlots). */
  readonly perEndpointConcurrency: number;
}
