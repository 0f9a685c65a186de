import { Counter, Gauge, Histogram, type Registry } from "prom-client";
import type { OffersTelemetry } from "../../domain/offers/ports.js";

/** The offers context's Prometheus metrics, on the app's registry (see docs/offers.md). */
export class OffersMetrics implements OffersTelemetry {
  private readonly registrations: Counter<"outcome">;
  private readonly refreshDuration: Histogram;
  private readonly refreshFailures: Counter;
  readonly tokenRenewals: Counter<"outcome">;
  readonly calls: Counter<"call" | "outcome">;

  constructor(registry: Registry, behindSchedule: () => Promise<number>) {
    this.registrations = new Counter({
      name: "shopfloor_offers_registrations_total",
      help: "Register attempts with the Offers service, by outcome (registered, retried, failed).",
      labelNames: ["outcome"] as const,
      registers: [registry],
    });
    this.refreshDuration = new Histogram({
      name: "shopfloor_offers_refresh_duration_seconds",
      help: "Time one refresh pass over every registered product took.",
      buckets: [0.1, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600],
      registers: [registry],
    });
    this.refreshFailures = new Counter({
      name: "shopfloor_offers_refresh_failures_total",
      help: "Product refreshes that failed (the service unreachable, slow or refusing).",
      registers: [registry],
    });
    this.tokenRenewals = new Counter({
      name: "shopfloor_offers_token_renewals_total",
      help: "Renewals of the shared Offers access token by this instance, by outcome (renewed, failed).",
      labelNames: ["outcome"] as const,
      registers: [registry],
    });
    this.calls = new Counter({
      name: "shopfloor_offers_calls_total",
      help: "Calls to the Offers service, by call (auth, register, offers) and HTTP status or timeout/network_error.",
      labelNames: ["call", "outcome"] as const,
      registers: [registry],
    });
    new Gauge({
      name: "shopfloor_offers_products_behind_schedule",
      help: "Registered products whose offers were last refreshed more than two refresh intervals ago.",
      registers: [registry],
      async collect() {
        this.set(await behindSchedule().catch(() => Number.NaN));
      },
    });
  }

  registration(outcome: "registered" | "retried" | "failed"): void {
    this.registrations.inc({ outcome });
  }

  refreshPass(seconds: number): void {
    this.refreshDuration.observe(seconds);
  }

  refreshFailed(): void {
    this.refreshFailures.inc();
  }
}
