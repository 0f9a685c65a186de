import type { Logger } from "pino";
import type { Metrics } from "../adapters/observability/metrics.js";
import { OffersMetrics } from "../adapters/observability/offers-metrics.js";
import { HttpOffersProvider } from "../adapters/offers/http-offers-provider.js";
import { OffersSimulator } from "../adapters/offers/offers-simulator.js";
import { SharedAccessToken } from "../adapters/offers/shared-access-token.js";
import type { Sql } from "../adapters/postgres/database.js";
import { PostgresEventOutbox } from "../adapters/postgres/postgres-event-outbox.js";
import { PostgresOfferProductDirectory } from "../adapters/postgres/postgres-offer-product-directory.js";
import {
  countProductsBehindSchedule,
  PostgresOfferRegistrationRepository,
} from "../adapters/postgres/postgres-offer-registration-repository.js";
import { PostgresOfferRepository } from "../adapters/postgres/postgres-offer-repository.js";
import { PostgresOffersAccessTokenStore } from "../adapters/postgres/postgres-offers-access-token-store.js";
import { PostgresUnitOfWork } from "../adapters/postgres/postgres-unit-of-work.js";
import {
  type OffersDeps,
  type OffersProvider,
  OffersProviderFailure,
  type OffersTx,
} from "../domain/offers/ports.js";
import { runOffersRefresh } from "../domain/offers/refresh-offers.js";
import { registrationConsumer } from "../domain/offers/register-product.js";
import type { Clock } from "../domain/shared/clock.js";
import type { IdGenerator } from "../domain/shared/id-generator.js";
import type { PageTokens } from "../domain/shared/page-tokens.js";
import type { StopHandle } from "../domain/shared/stop-handle.js";
import type { Config } from "./config.js";
import type { EventBackbone } from "./event-backbone.js";

// Part of the composition root: the offers context wired to the Offers service (OFFERS_BASE_URL), to the
// simulator started in-process (the embedded default), or to nothing (mode "off": reads only). See
// docs/offers.md.

/** The refresh token the in-process simulator accepts when OFFERS_REFRESH_TOKEN is unset. */
const SIMULATOR_REFRESH_TOKEN = "embedded-simulator-refresh-token";
/** Products read from the database per page of a refresh pass. */
const REFRESH_PAGE_SIZE = 500;

export interface OffersIntegration {
  readonly deps: OffersDeps;
  /** The in-process simulator, when the embedded default runs one (tests drive its fault switches). */
  readonly simulator: OffersSimulator | undefined;
  /** Starts registration and the refresh schedule; call before the backbone starts. */
  start(): Promise<void>;
  stop(): Promise<void>;
}

const noService: OffersProvider = {
  async register() {
    throw new OffersProviderFailure("no Offers service is configured (OFFERS_BASE_URL)", false);
  },
  async fetchOffers() {
    throw new OffersProviderFailure("no Offers service is configured (OFFERS_BASE_URL)", false);
  },
};

export async function createOffersIntegration(
  config: Config,
  deps: {
    readonly sql: Sql;
    readonly backbone: EventBackbone;
    readonly metrics: Metrics;
    readonly logger: Logger;
    readonly pageTokens: PageTokens;
    readonly clock: Clock;
    readonly ids: IdGenerator;
  },
): Promise<OffersIntegration> {
  const { sql, backbone, clock } = deps;
  const settings = config.offers;
  const logger = deps.logger.child({ component: "offers" });
  let simulator: OffersSimulator | undefined;
  let baseUrl = settings.baseUrl;
  let refreshToken = settings.refreshToken;
  if (settings.mode === "simulator") {
    refreshToken ??= SIMULATOR_REFRESH_TOKEN;
    simulator = await OffersSimulator.start({ seed: "shopfloor-embedded", refreshTokens: [refreshToken] });
    baseUrl = simulator.url;
    logger.info({ url: baseUrl }, "Offers service simulator started in-process");
  } else if (settings.mode === "off") {
    logger.info("no OFFERS_BASE_URL: offers are served but never registered or refreshed");
  }

  const telemetry = new OffersMetrics(deps.metrics.registry, () =>
    countProductsBehindSchedule(sql, new Date(clock.now().getTime() - 2 * settings.refreshIntervalMs)),
  );
  let provider: OffersProvider = noService;
  if (baseUrl && refreshToken) {
    const secret = refreshToken;
    const http: HttpOffersProvider = new HttpOffersProvider(
      {
        baseUrl,
        timeoutMs: settings.timeoutMs,
        onResponse: (call, outcome) => telemetry.calls.inc({ call, outcome }),
      },
      new SharedAccessToken(new PostgresOffersAccessTokenStore(sql), {
        authenticate: async () => {
          try {
            const issued = await http.authenticate(secret);
            telemetry.tokenRenewals.inc({ outcome: "renewed" });
            logger.info({ expiresAt: issued.expiresAt }, "Offers access token renewed");
            return issued;
          } catch (error) {
            telemetry.tokenRenewals.inc({ outcome: "failed" });
            logger.warn({ err: error }, "Offers access token renewal failed");
            throw error;
          }
        },
        // Longer than one /auth call may take, so a live renewer never loses its lease mid-call.
        leaseMs: settings.timeoutMs + 2000,
        waitMs: settings.timeoutMs + 4000,
        now: () => clock.now().getTime(),
        sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
      }),
    );
    provider = http;
  }

  const offersDeps: OffersDeps = {
    uow: new PostgresUnitOfWork<OffersTx>(
      sql,
      (tx, events) => ({
        offers: new PostgresOfferRepository(tx),
        registrations: new PostgresOfferRegistrationRepository(tx),
        outbox: new PostgresEventOutbox(tx, events.appended),
      }),
      backbone.wakeRelay,
    ),
    offers: new PostgresOfferRepository(sql),
    registrations: new PostgresOfferRegistrationRepository(sql),
    products: new PostgresOfferProductDirectory(sql),
    provider,
    serviceConfigured: provider !== noService,
    jobs: backbone.jobs,
    pageTokens: deps.pageTokens,
    clock,
    ids: deps.ids,
    telemetry,
    shopCurrency: config.shopCurrency,
    maxRegisterAttempts: config.events.consumerMaxDeliver,
    refreshConcurrency: settings.refreshConcurrency,
    refreshPageSize: REFRESH_PAGE_SIZE,
  };

  const running: StopHandle[] = [];
  return {
    deps: offersDeps,
    simulator,
    async start() {
      if (settings.mode === "off") return;
      running.push(await backbone.bus.consume(registrationConsumer(offersDeps)));
      running.push(runOffersRefresh(offersDeps, backbone.jobs, settings.refreshIntervalMs));
    },
    async stop() {
      await Promise.all(running.splice(0).map((r) => r.stop()));
      await simulator?.stop();
    },
  };
}
