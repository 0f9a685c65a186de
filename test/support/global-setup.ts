import type { TestProject } from "vitest/node";
import { DEFAULT_NATS_URL, DEFAULT_POSTGRES_URL, reachable } from "./servers.js";

// Finds the real servers every suite runs against: DATABASE_URL / NATS_URL when set, else this machine's
// local PostgreSQL and NATS, else containers started with testcontainers when a Docker engine answers.
// In CI (CI=true) an unreachable server fails the run instead of being skipped or replaced.

declare module "vitest" {
  export interface ProvidedContext {
    postgresUrl: string;
    natsUrl: string;
  }
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  let postgresUrl = process.env.DATABASE_URL || DEFAULT_POSTGRES_URL;
  let natsUrl = process.env.NATS_URL || DEFAULT_NATS_URL;
  const stops: Array<() => Promise<unknown>> = [];

  const [pgUp, natsUp] = await Promise.all([reachable(postgresUrl), reachable(natsUrl)]);
  if (!pgUp || !natsUp) {
    const missing = [!pgUp && `PostgreSQL at ${postgresUrl}`, !natsUp && `NATS at ${natsUrl}`]
      .filter(Boolean)
      .join(" and ");
    if (process.env.CI === "true") throw new Error(`test servers unreachable in CI: ${missing}`);
    const { GenericContainer, Wait } = await import("testcontainers").catch(() => {
      throw new Error(`test servers unreachable (${missing}) and testcontainers is unavailable`);
    });
    if (!pgUp) {
      const pg = await new GenericContainer("postgres:16-alpine")
        .withEnvironment({ POSTGRES_HOST_AUTH_METHOD: "trust" })
        .withExposedPorts(5432)
        .withWaitStrategy(Wait.forLogMessage(/database system is ready to accept connections/, 2))
        .start();
      stops.push(() => pg.stop());
      postgresUrl = `postgres://postgres@${pg.getHost()}:${pg.getMappedPort(5432)}/postgres`;
    }
    if (!natsUp) {
      const nats = await new GenericContainer("nats:2.10-alpine")
        .withCommand(["-js"])
        .withExposedPorts(4222)
        .start();
      stops.push(() => nats.stop());
      natsUrl = `nats://${nats.getHost()}:${nats.getMappedPort(4222)}`;
    }
  }
  project.provide("postgresUrl", postgresUrl);
  project.provide("natsUrl", natsUrl);
  return async () => {
    for (const stop of stops) await stop();
  };
}
