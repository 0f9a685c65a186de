import { pino } from "pino";
import { ConfigError, loadConfig } from "./config.js";
import { DEMO_ADMIN, startApp } from "./container.js";
import { DEMO_CUSTOMER, DEMO_FACTORY, DEMO_OFFICE } from "./demo-data.js";

// Starts Shopfloor and stops it cleanly on SIGTERM/SIGINT: stop taking requests, drain in-flight ones, stop
// workers, close the database.

async function main(): Promise<void> {
  let config: ReturnType<typeof loadConfig>;
  try {
    config = loadConfig();
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`${error.message}\n`);
      process.exit(2);
    }
    throw error;
  }
  const logger = pino({ level: config.logLevel, base: { service: "shopfloor" } });
  const started = performance.now();
  const app = await startApp(config, logger);
  logger.info(
    {
      http: app.httpUrl,
      grpc: app.grpcAddress,
      database: config.embedded ? `embedded PGlite in ${config.dataDir}` : "PostgreSQL",
      bus: config.natsUrl ? "NATS JetStream" : "in-process",
      ms: Math.round(performance.now() - started),
    },
    "shopfloor ready",
  );
  if (config.embedded) {
    process.stdout.write(
      [
        "",
        "  Shopfloor is running on the embedded default (PGlite + in-process bus).",
        `  Connect / gRPC-Web / HTTP : ${app.httpUrl}   (health: ${app.httpUrl}/healthz)`,
        `  gRPC                      : ${app.grpcAddress}   (grpcurl -plaintext ${app.grpcAddress} list)`,
        `  Demo admin                : ${DEMO_ADMIN.email} / ${DEMO_ADMIN.password}`,
        ...(config.demoData
          ? [
              `  Demo customer             : ${DEMO_CUSTOMER.email} / ${DEMO_CUSTOMER.password}`,
              `  Demo regional office      : ${DEMO_OFFICE.email} / ${DEMO_OFFICE.password} (${DEMO_OFFICE.officeCode})`,
              `  Demo manufacturer         : ${DEMO_FACTORY.email} / ${DEMO_FACTORY.password} (skoda)`,
            ]
          : []),
        "",
      ].join("\n") + "\n",
    );
  }

  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, "stopping");
    await app.stop();
    logger.info("stopped");
    process.exit(0);
  };
  process.on("SIGTERM", () => void stop("SIGTERM"));
  process.on("SIGINT", () => void stop("SIGINT"));
}

main().catch((error: unknown) => {
  process.stderr.write(
    `shopfloor failed to start: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
  );
  process.exit(1);
});
