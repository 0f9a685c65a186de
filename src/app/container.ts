import { AsyncResource } from "node:async_hooks";
import { randomBytes } from "node:crypto";
import { setMaxListeners } from "node:events";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { createContextValues } from "@connectrpc/connect";
import * as grpc from "@grpc/grpc-js";
import { type Logger, pino } from "pino";
import { uuidv7 } from "uuidv7";
import { file_shopfloor_analytics_v1_analytics } from "../../gen/shopfloor/analytics/v1/analytics_pb.js";
import { file_shopfloor_catalog_v1_catalog } from "../../gen/shopfloor/catalog/v1/catalog_pb.js";
import { file_shopfloor_common_v1_common } from "../../gen/shopfloor/common/v1/common_pb.js";
import { file_shopfloor_identity_v1_identity } from "../../gen/shopfloor/identity/v1/identity_pb.js";
import { file_shopfloor_manufacturing_v1_manufacturing } from "../../gen/shopfloor/manufacturing/v1/manufacturing_pb.js";
import { file_shopfloor_offers_v1_offers } from "../../gen/shopfloor/offers/v1/offers_pb.js";
import { file_shopfloor_ordering_v1_ordering } from "../../gen/shopfloor/ordering/v1/ordering_pb.js";
import { ACCESS_POLICY } from "../adapters/connect/access-policy.js";
import { AnalyticsService, analyticsService } from "../adapters/connect/analytics-service.js";
import { authInterceptor } from "../adapters/connect/auth-interceptor.js";
import { CatalogService, catalogService } from "../adapters/connect/catalog-service.js";
import { deadlineInterceptor } from "../adapters/connect/deadline-interceptor.js";
import { IdentityService, identityService } from "../adapters/connect/identity-service.js";
import { loggingInterceptor, streamErrorMapper } from "../adapters/connect/logging-interceptor.js";
import { ManufacturingService, manufacturingService } from "../adapters/connect/manufacturing-service.js";
import { OffersService, offersService } from "../adapters/connect/offers-service.js";
import { OrderService, orderingService } from "../adapters/connect/ordering-service.js";
import { rateLimitInterceptors } from "../adapters/connect/rate-limit-interceptor.js";
import { RequestBudgets } from "../adapters/connect/request-budgets.js";
import { requestDecodingInterceptor } from "../adapters/connect/request-decoding-interceptor.js";
import { peerAddressKey } from "../adapters/connect/rpc-context.js";
import {
  type InterceptedService,
  intercept,
  type RpcInterceptor,
} from "../adapters/connect/rpc-interceptor.js";
import { StreamSlots } from "../adapters/connect/stream-slots.js";
import { createGrpcServer, type GrpcServer } from "../adapters/grpc/grpc-server.js";
import { apiReferenceRoutes } from "../adapters/http/api-reference-routes.js";
import { consoleRoute } from "../adapters/http/console-route.js";
import { createHttpServer } from "../adapters/http/http-server.js";
import { manufacturingSeedRoutes } from "../adapters/http/manufacturing-seed-routes.js";
import { oauthTokenRoute } from "../adapters/http/oauth-token-route.js";
import { metricsRoute, operatorRoutes, type ReadinessCheck } from "../adapters/http/operator-routes.js";
import { plainRouter } from "../adapters/http/plain-routes.js";
import { Metrics } from "../adapters/observability/metrics.js";
import type { OffersSimulator } from "../adapters/offers/offers-simulator.js";
import { connectDatabase, type Sql } from "../adapters/postgres/database.js";
import { type EmbeddedPostgres, startEmbeddedPostgres } from "../adapters/postgres/embedded-postgres.js";
import { migrate } from "../adapters/postgres/migrator.js";
import { PostgresBrandRepository } from "../adapters/postgres/postgres-brand-repository.js";
import { PostgresCategoryRepository } from "../adapters/postgres/postgres-category-repository.js";
import { PostgresEventOutbox } from "../adapters/postgres/postgres-event-outbox.js";
import { PostgresIdempotencyStore } from "../adapters/postgres/postgres-idempotency-store.js";
import { PostgresLoginThrottle } from "../adapters/postgres/postgres-login-throttle.js";
import { PostgresOrderPlacementWriter } from "../adapters/postgres/postgres-order-placement-writer.js";
import { PostgresOrderRepository } from "../adapters/postgres/postgres-order-repository.js";
import { PostgresPartnerClientRepository } from "../adapters/postgres/postgres-partner-client-repository.js";
import { PostgresPipelinedUnitOfWork } from "../adapters/postgres/postgres-pipelined-unit-of-work.js";
import { PostgresProcessedEvents } from "../adapters/postgres/postgres-processed-events.js";
import { PostgresProductRepository } from "../adapters/postgres/postgres-product-repository.js";
import { PostgresPurchaseRepository } from "../adapters/postgres/postgres-purchase-repository.js";
import { pruneExpiredRecords } from "../adapters/postgres/postgres-record-retention.js";
import { PostgresRefreshTokenStore } from "../adapters/postgres/postgres-refresh-token-store.js";
import { PostgresSaleIntake } from "../adapters/postgres/postgres-sale-intake.js";
import { PostgresSalesReadModel } from "../adapters/postgres/postgres-sales-read-model.js";
import { PostgresScheduledJobs } from "../adapters/postgres/postgres-scheduled-jobs.js";
import { PostgresServerSecretStore } from "../adapters/postgres/postgres-server-secret-store.js";
import { PostgresSharedRequestCounts } from "../adapters/postgres/postgres-shared-request-counts.js";
import { PostgresSignUpThrottle } from "../adapters/postgres/postgres-sign-up-throttle.js";
import { PostgresSigningKeyStore } from "../adapters/postgres/postgres-signing-key-store.js";
import { PostgresStockLedger } from "../adapters/postgres/postgres-stock-ledger.js";
import { PostgresUnitOfWork } from "../adapters/postgres/postgres-unit-of-work.js";
import { PostgresUserRepository } from "../adapters/postgres/postgres-user-repository.js";
import { currentCall } from "../adapters/rpc/call-scope.js";
import { Argon2PasswordHasher } from "../adapters/security/argon2-password-hasher.js";
import { HmacPageTokens } from "../adapters/security/hmac-page-tokens.js";
import { JoseAccessTokens } from "../adapters/security/jose-access-tokens.js";
import { OpaqueRefreshTokens } from "../adapters/security/opaque-refresh-tokens.js";
import type { AnalyticsDeps } from "../domain/analytics/ports.js";
import type { CatalogDeps, CatalogTx } from "../domain/catalog/ports.js";
import { bootstrapAdmin } from "../domain/identity/bootstrap-admin.js";
import type { IdentityDeps, IdentityTx } from "../domain/identity/ports.js";
import type { ManufacturingDeps, ManufacturingTx } from "../domain/manufacturing/ports.js";
import { purchaseIntakeConsumer, runPurchaseIntakeSweep } from "../domain/manufacturing/record-purchase.js";
import { runFulfilmentSimulator } from "../domain/ordering/advance-order.js";
import { runIdempotencyKeyExpiry } from "../domain/ordering/expire-idempotency-keys.js";
import { PlaceOrderBatcher } from "../domain/ordering/place-order-batcher.js";
import { placeOrdersTogether } from "../domain/ordering/place-orders-together.js";
import type { OrderingDeps, OrderingTx, OrderPlacer } from "../domain/ordering/ports.js";
import type { Clock } from "../domain/shared/clock.js";
import type { EventBus } from "../domain/shared/event-bus.js";
import type { JobScheduler } from "../domain/shared/job-scheduler.js";
import type { Config } from "./config.js";
import { loadDemoData } from "./demo-data.js";
import { loadDemoSales } from "./demo-sales.js";
import { createEventBackbone } from "./event-backbone.js";
import { createOffersIntegration } from "./offers-integration.js";
import { createWebhooks } from "./webhooks.js";

// The composition root: the only place that chooses adapters and builds use-case dependencies.

/** Hands each PlaceOrder to the batcher with its caller's signal, so an order whose caller is gone is dropped. */
function callerAware(placer: OrderPlacer): OrderPlacer {
  return { place: (request) => placer.place({ ...request, signal: currentCall()?.signal }) };
}

/** Demo accounts of the embedded default (no DATABASE_URL): printed at start, never created otherwise. */
export const DEMO_ADMIN = {
  email: "admin@shopfloor.local",
  username: "admin",
  password: "Shopfloor-Demo-Admin-1",
} as const;

export interface RunningApp {
  readonly httpUrl: string;
  readonly grpcAddress: string;
  readonly config: Config;
  readonly logger: Logger;
  readonly sql: Sql;
  /** The event bus and job scheduler, for consumers, live subscriptions and jobs (tests use them too). */
  readonly events: EventBus;
  readonly jobs: JobScheduler;
  /** The in-process Offers simulator of the embedded default (no OFFERS_BASE_URL); tests switch its faults. */
  readonly offersSimulator: OffersSimulator | undefined;
  /** Where /metrics is served: httpUrl, or METRICS_LISTEN's own address. */
  readonly metricsUrl: string;
  /** Aborted once the listeners have closed during stop(), before workers and the database stop. */
  readonly shutdownSignal: AbortSignal;
  /** Stops everything, last started first; calling it again waits for the same stop. */
  stop(): Promise<void>;
}

const systemClock: Clock = { now: () => new Date() };

export async function startApp(
  config: Config,
  logger: Logger = pino({ level: config.logLevel }),
): Promise<RunningApp> {
  const stops: Array<() => Promise<void>> = [];
  // Two phases of stopping. `draining` starts it: /readyz fails, answers close their connections, streams end,
  // while unary requests in flight finish. `shutdown` ends it and is handed to the servers as their
  // shutdownSignal, which aborts every handler still running (connect-node resets their connections), so it is
  // aborted only once the listeners are closed.
  const draining = new AbortController();
  const shutdown = new AbortController();
  // connect-node adds one listener per in-flight request to these; hundreds at once are normal.
  setMaxListeners(0, shutdown.signal);
  setMaxListeners(0, draining.signal);
  // Stops run last-started first, on a copy (the list itself keeps start order); a second stop() waits for the
  // first one instead of running anything again.
  let stopping: Promise<void> | undefined;
  const stopAll = () =>
    (stopping ??= (async () => {
      draining.abort();
      for (const stop of [...stops].reverse()) {
        try {
          await stop();
        } catch (error) {
          logger.error({ err: error }, "error while stopping");
        }
      }
      // Normally fired as soon as the listeners closed (below); here for a start that failed before that.
      shutdown.abort();
    })());

  let metricsAddress: AddressInfo | undefined;
  try {
    let databaseUrl = config.databaseUrl;
    let embedded: EmbeddedPostgres | undefined;
    if (!databaseUrl) {
      const started = await startEmbeddedPostgres(config.dataDir === ":memory:" ? undefined : config.dataDir);
      stops.push(() => started.stop());
      embedded = started;
      databaseUrl = started.url;
    }
    const sql = connectDatabase(databaseUrl, {
      max: embedded ? 1 : config.databasePoolSize,
      connectTimeoutSeconds: config.databaseConnectTimeoutSeconds,
    });
    stops.push(() => sql.end({ timeout: 5 }));
    const { applied } = await migrate(sql);
    if (applied.length > 0) logger.info({ applied }, "migrations applied");

    const metrics = new Metrics();
    const backbone = await createEventBackbone(config, {
      sql,
      poolSize: embedded ? 1 : config.databasePoolSize,
      metrics,
      logger,
    });
    stops.push(() => backbone.stop());
    const ids = { newId: () => uuidv7() };
    const signingKeys = new PostgresSigningKeyStore(sql);
    const accessTokens = await JoseAccessTokens.create(signingKeys, {
      issuer: config.jwt.issuer,
      audience: config.jwt.audience,
      ttlSeconds: config.jwt.accessTtlSeconds,
    });
    // A retired key stops verifying everywhere within the reload period, at once where NOTIFY can be heard.
    const keyLogger = logger.child({ component: "signing-keys" });
    const onKeyReloadError = (error: unknown) =>
      keyLogger.warn({ err: error }, "cannot reload signing keys; keeping the loaded ones");
    const keyReloads = accessTokens.keepReloading(config.signingKeyReloadMs, onKeyReloadError);
    stops.push(() => keyReloads.stop());
    // LISTEN holds a session of its own: not on a single-session server (PGlite), as the relay's LISTEN.
    if (!embedded && config.databasePoolSize > 1) {
      const watching = await signingKeys.watch(() => void accessTokens.reload().catch(onKeyReloadError));
      stops.push(() => watching.stop());
    }

    const identityDeps: IdentityDeps = {
      uow: new PostgresUnitOfWork<IdentityTx>(
        sql,
        (tx, events) => ({
          users: new PostgresUserRepository(tx),
          refreshTokens: new PostgresRefreshTokenStore(tx),
          outbox: new PostgresEventOutbox(tx, events.appended),
        }),
        backbone.wakeRelay,
      ),
      users: new PostgresUserRepository(sql),
      passwords: await Argon2PasswordHasher.create(config.passwordHashConcurrency),
      loginThrottle: new PostgresLoginThrottle(sql, config.loginThrottle),
      signUpThrottle: new PostgresSignUpThrottle(sql, config.signUpThrottle),
      accessTokens,
      signingKeys: accessTokens,
      refreshTokens: new OpaqueRefreshTokens(),
      partnerClients: new PostgresPartnerClientRepository(sql),
      brands: new PostgresBrandRepository(sql),
      clock: systemClock,
      ids,
      refreshTokenTtlSeconds: config.refreshTokenTtlSeconds,
    };

    const admin = config.admin ?? (config.embedded ? DEMO_ADMIN : undefined);
    if (admin && (await bootstrapAdmin(identityDeps, admin)))
      logger.info({ email: admin.email }, "first admin created");

    // One key for every instance, so a page token from one continues on any other.
    const pageTokens = new HmacPageTokens(
      await new PostgresServerSecretStore(sql).ensure("page_tokens", randomBytes(32)),
    );
    const catalogDeps: CatalogDeps = {
      uow: new PostgresUnitOfWork<CatalogTx>(
        sql,
        (tx, events) => ({
          categories: new PostgresCategoryRepository(tx),
          products: new PostgresProductRepository(tx),
          stockLedger: new PostgresStockLedger(tx),
          outbox: new PostgresEventOutbox(tx, events.appended),
        }),
        backbone.wakeRelay,
      ),
      categories: new PostgresCategoryRepository(sql),
      products: new PostgresProductRepository(sql),
      stockLedger: new PostgresStockLedger(sql),
      pageTokens,
      clock: systemClock,
      ids,
      shopCurrency: config.shopCurrency,
    };
    if (config.embedded && config.demoData && admin) {
      const adminUser = await identityDeps.users.findByLogin(admin.email);
      if (adminUser)
        await loadDemoData({ identity: identityDeps, catalog: catalogDeps, logger }, adminUser.id);
      await loadDemoSales(
        { sql, passwords: identityDeps.passwords, logger },
        config.shopCurrency,
        new Date(),
      );
    }
    const orderingDeps: OrderingDeps = {
      // Pipelined: BEGIN rides with the first statement and COMMIT right behind PlaceOrder's write.
      uow: new PostgresPipelinedUnitOfWork<OrderingTx>(
        sql,
        (tx, hooks) => ({
          products: new PostgresProductRepository(tx),
          stockLedger: new PostgresStockLedger(tx),
          outbox: new PostgresEventOutbox(tx, hooks.appended),
          orders: new PostgresOrderRepository(tx),
          idempotencyKeys: new PostgresIdempotencyStore(tx),
          jobs: new PostgresScheduledJobs(tx),
          placements: new PostgresOrderPlacementWriter(tx, hooks),
        }),
        backbone.wakeRelay,
      ),
      orders: new PostgresOrderRepository(sql),
      events: backbone.bus,
      pageTokens,
      clock: systemClock,
      ids,
      shopCurrency: config.shopCurrency,
      autoAdvanceMs: config.orderAutoAdvanceMs,
      // Group commit: concurrent PlaceOrders share one transaction (docs/ordering.md, "Placing orders together").
      placer: callerAware(
        new PlaceOrderBatcher(
          (requests) => placeOrdersTogether(orderingDeps, requests),
          config.placeOrderBatching,
          (fn) => AsyncResource.bind(fn),
          {
            waiting: (count) => metrics.placeOrderWaiting.set(count),
            batchStarted: (size) => metrics.placeOrderBatchSize.observe(size),
          },
        ),
      ),
    };
    const analyticsDeps: AnalyticsDeps = {
      sales: new PostgresSalesReadModel(sql),
      pageTokens,
      shopCurrency: config.shopCurrency,
    };
    const orderingWorkers = [runIdempotencyKeyExpiry(orderingDeps, backbone.jobs)];
    // Tables that would only grow: expired tokens, ended throttle windows, consumers gone from the code.
    const retentionLogger = logger.child({ component: "record-retention" });
    const recordRetention = backbone.jobs.every("retention.prune-expired-records", 3_600_000, async () => {
      const pruned = await pruneExpiredRecords(sql, {
        retentionMs: config.events.retentionMs,
        longestWindowMs: Math.max(
          config.loginThrottle.windowSeconds * 1000,
          config.signUpThrottle.windowSeconds * 1000,
          config.rateLimits.windowMs,
        ),
      });
      retentionLogger.info(pruned, "pruned expired records");
    });
    stops.push(() => recordRetention.stop());
    if (config.orderAutoAdvanceMs !== undefined)
      orderingWorkers.push(runFulfilmentSimulator(orderingDeps, backbone.jobs));
    stops.push(async () => void (await Promise.all(orderingWorkers.map((w) => w.stop()))));
    const manufacturingDeps: ManufacturingDeps = {
      uow: new PostgresUnitOfWork<ManufacturingTx>(
        sql,
        (tx, events) => ({
          brands: new PostgresBrandRepository(tx),
          intake: new PostgresSaleIntake(tx),
          purchases: new PostgresPurchaseRepository(tx),
          outbox: new PostgresEventOutbox(tx, events.appended),
          processedEvents: new PostgresProcessedEvents(tx),
        }),
        backbone.wakeRelay,
      ),
      brands: new PostgresBrandRepository(sql),
      purchases: new PostgresPurchaseRepository(sql),
      intake: new PostgresSaleIntake(sql),
      pageTokens,
      clock: systemClock,
      ids,
    };
    const webhooks = await createWebhooks(config, {
      sql,
      events: backbone.bus,
      jobs: backbone.jobs,
      metrics,
      pageTokens,
      clock: systemClock,
      ids,
      wakeRelay: backbone.wakeRelay,
    });
    stops.push(() => webhooks.stop());
    // Consumers are registered before backbone.start(); the sweep is the intake's backstop (record-purchase.ts).
    const intake = await backbone.bus.consume(purchaseIntakeConsumer(manufacturingDeps));
    const intakeSweep = runPurchaseIntakeSweep(
      manufacturingDeps,
      backbone.jobs,
      config.manufacturing.intakeSweepMs,
    );
    stops.push(async () => void (await Promise.all([intake.stop(), intakeSweep.stop()])));
    const offers = await createOffersIntegration(config, {
      sql,
      backbone,
      metrics,
      logger,
      pageTokens,
      clock: systemClock,
      ids,
    });
    stops.push(() => offers.stop());
    await offers.start();
    const requestBudgets = new RequestBudgets(new PostgresSharedRequestCounts(sql), {
      windowMs: config.rateLimits.windowMs,
      syncMs: config.rateLimits.syncMs,
      logger: logger.child({ component: "rate-limits" }),
    });
    stops.push(() => requestBudgets.stop());
    const rateLimits = rateLimitInterceptors(requestBudgets, config.rateLimits);
    const interceptors: RpcInterceptor[] = [
      loggingInterceptor(logger, metrics),
      deadlineInterceptor(),
      requestDecodingInterceptor(),
      rateLimits.perAddress,
      authInterceptor(accessTokens),
      rateLimits.perAccount,
    ];
    const mapStreamError = streamErrorMapper(logger);
    const manufacturingRpcs = intercept(
      ManufacturingService,
      manufacturingService(manufacturingDeps, webhooks.deps),
      interceptors,
      mapStreamError,
    );
    const services: InterceptedService[] = [
      intercept(
        IdentityService,
        identityService(identityDeps),
        interceptors,
        mapStreamError,
      ) as InterceptedService,
      intercept(
        CatalogService,
        catalogService(catalogDeps),
        interceptors,
        mapStreamError,
      ) as InterceptedService,
      intercept(
        OrderService,
        orderingService(orderingDeps, draining.signal, new StreamSlots(config.watchLimits)),
        interceptors,
        mapStreamError,
      ) as InterceptedService,
      manufacturingRpcs as InterceptedService,
      intercept(
        AnalyticsService,
        analyticsService(analyticsDeps),
        interceptors,
        mapStreamError,
      ) as InterceptedService,
      intercept(
        OffersService,
        offersService(offers.deps),
        interceptors,
        mapStreamError,
      ) as InterceptedService,
    ];

    const readiness: ReadinessCheck[] = [
      // Failing first on SIGTERM tells load balancers to stop sending before the listeners close.
      {
        name: "serving",
        check: async () => {
          if (draining.signal.aborted) throw new Error("draining");
        },
      },
      { name: "database", check: async () => void (await sql`select 1`) },
      ...backbone.readiness,
    ];

    // Plain routes document themselves (their `doc`) in /openapi.json beside the RPCs.
    const plainRoutes = [
      ...operatorRoutes({
        readiness,
        metrics,
        jwks: () => accessTokens.jwks(),
        metricsToken: config.metrics.token,
        metricsHere: config.metrics.listen === undefined,
      }),
      oauthTokenRoute(identityDeps, config.maxBodyBytes),
      // The seed's login and REST paths (seeds/000), for partners who integrated with it.
      oauthTokenRoute(identityDeps, config.maxBodyBytes, "/login"),
      ...manufacturingSeedRoutes({
        service: manufacturingRpcs,
        maxBodyBytes: config.maxBodyBytes,
        shutdownSignal: shutdown.signal,
        contextValues: (req) => createContextValues().set(peerAddressKey, req.socket.remoteAddress),
      }),
    ];
    const { server: http, drain: drainHttp } = createHttpServer({
      services,
      routes: [...plainRoutes, ...apiReferenceRoutes(ACCESS_POLICY, plainRoutes), consoleRoute()],
      onRouteError: (error) => logger.error({ err: error }, "unhandled error in a plain route"),
      maxBodyBytes: config.maxBodyBytes,
      requestTimeoutMs: config.httpRequestTimeoutMs,
      corsOrigins: config.corsOrigins,
      drainSignal: draining.signal,
      shutdownSignal: shutdown.signal,
    });
    await new Promise<void>((resolve, reject) => {
      http.once("error", reject);
      http.listen(config.httpPort, config.host, () => resolve());
    });
    if (config.metrics.listen) {
      // /metrics on an address of its own (an internal interface), and not on the public port at all.
      const metricsServer = createServer(
        plainRouter([metricsRoute(metrics, config.metrics.token)], (error) =>
          logger.error({ err: error }, "unhandled error in a plain route"),
        ),
      );
      await new Promise<void>((resolve, reject) => {
        metricsServer.once("error", reject);
        metricsServer.listen(config.metrics.listen?.port, config.metrics.listen?.host, () => resolve());
      });
      stops.push(
        () =>
          new Promise<void>((resolve) => {
            metricsServer.close(() => resolve());
            metricsServer.closeAllConnections();
          }),
      );
      metricsAddress = metricsServer.address() as AddressInfo;
    }
    let grpcSurface: GrpcServer | undefined;
    // Both surfaces drain at once, each for at most the grace period.
    stops.push(async () => {
      grpcSurface?.health.setStatus("", "NOT_SERVING");
      await Promise.all([drainHttp(config.shutdownGraceMs), grpcSurface?.drain(config.shutdownGraceMs)]);
      // The listeners are closed: whatever still runs is aborted now, while workers and the database are up.
      shutdown.abort();
    });
    const grpcServer = createGrpcServer({
      services,
      files: [
        file_shopfloor_common_v1_common,
        file_shopfloor_identity_v1_identity,
        file_shopfloor_catalog_v1_catalog,
        file_shopfloor_ordering_v1_ordering,
        file_shopfloor_manufacturing_v1_manufacturing,
        file_shopfloor_analytics_v1_analytics,
        file_shopfloor_offers_v1_offers,
      ],
      maxMessageBytes: config.maxBodyBytes,
      limits: config.grpc,
      shutdownSignal: shutdown.signal,
    });
    grpcSurface = grpcServer;
    const grpcPort = await new Promise<number>((resolve, reject) =>
      grpcServer.server.bindAsync(
        `${config.host}:${config.grpcPort}`,
        grpc.ServerCredentials.createInsecure(),
        (err, port) => (err ? reject(err) : resolve(port)),
      ),
    );
    // Last: every consumer and job handler is registered by now.
    await backbone.start();

    const httpPort = (http.address() as AddressInfo).port;
    const displayHost = config.host === "0.0.0.0" || config.host === "::" ? "localhost" : config.host;
    return {
      httpUrl: `http://${displayHost}:${httpPort}`,
      grpcAddress: `${displayHost}:${grpcPort}`,
      config,
      logger,
      sql,
      events: backbone.bus,
      jobs: backbone.jobs,
      offersSimulator: offers.simulator,
      metricsUrl: metricsAddress
        ? `http://${metricsAddress.family === "IPv6" ? `[${metricsAddress.address}]` : metricsAddress.address}:${metricsAddress.port}`
        : `http://${displayHost}:${httpPort}`,
      shutdownSignal: shutdown.signal,
      stop: stopAll,
    };
  } catch (error) {
    await stopAll();
    throw error;
  }
}
