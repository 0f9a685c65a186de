import { Counter, Histogram, type Registry } from "prom-client";
import type { WebhookObserver } from "../../domain/manufacturing/webhook-ports.js";

/** Outbound webhook metrics, on the app's registry: attempts by outcome, their latency, and dead letters. */
export class WebhookMetrics implements WebhookObserver {
  private readonly attempts: Counter<"outcome">;
  private readonly latency: Histogram;
  private readonly deadLetters: Counter;

  constructor(registry: Registry) {
    this.attempts = new Counter({
      name: "shopfloor_webhook_attempts_total",
      help: "Webhook delivery attempts, by outcome (succeeded, retry: will be tried again, failed: given up).",
      labelNames: ["outcome"] as const,
      registers: [registry],
    });
    this.latency = new Histogram({
      name: "shopfloor_webhook_attempt_duration_seconds",
      help: "Time from sending a webhook attempt to its answer (or to its failure or timeout).",
      buckets: [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 15],
      registers: [registry],
    });
    this.deadLetters = new Counter({
      name: "shopfloor_webhook_dead_letters_total",
      help: "Webhook deliveries given up (status FAILED): a non-retryable answer, retries ran out, or a disabled endpoint.",
      registers: [registry],
    });
  }

  attempted(verdict: "succeeded" | "retry" | "failed", seconds: number): void {
    this.attempts.inc({ outcome: verdict });
    this.latency.observe(seconds);
  }

  deadLettered(): void {
    this.deadLetters.inc();
  }
}
