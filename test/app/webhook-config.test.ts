import { describe, expect, it } from "vitest";
import { type ConfigError, loadConfig } from "../../src/app/config.js";

describe("webhook configuration", () => {
  it("defaults to Svix's schedule over a day, a 15 s timeout, private addresses refused, 5 days to disable", () => {
    const config = loadConfig({});
    expect(config.webhooks).toEqual({
      retryBaseMs: 5_000,
      retryMaxAgeMs: 24 * 3_600_000,
      allowPrivate: false,
      timeoutMs: 15_000,
      disableAfterMs: 5 * 86_400_000,
      concurrency: 8,
      endpointConcurrency: 2,
    });
    expect(config.jobLeaseMs).toBe(60_000);
  });

  it("takes shortened schedules for tests and refuses bad values by name", () => {
    const config = loadConfig({
      WEBHOOK_RETRY_BASE: "100ms",
      WEBHOOK_RETRY_MAX_AGE: "3s",
      WEBHOOK_ALLOW_PRIVATE: "true",
      JOB_LEASE: "2s",
    });
    expect(config.webhooks).toMatchObject({ retryBaseMs: 100, retryMaxAgeMs: 3000, allowPrivate: true });
    expect(config.jobLeaseMs).toBe(2000);
    let problems: string[] = [];
    try {
      loadConfig({
        WEBHOOK_RETRY_BASE: "soon",
        WEBHOOK_ALLOW_PRIVATE: "yes",
        WEBHOOK_ENDPOINT_CONCURRENCY: "0",
      });
    } catch (error) {
      problems = (error as ConfigError).problems;
    }
    expect(problems.map((p) => p.split(":")[0]).sort()).toEqual([
      "WEBHOOK_ALLOW_PRIVATE",
      "WEBHOOK_ENDPOINT_CONCURRENCY",
      "WEBHOOK_RETRY_BASE",
    ]);
  });
});
