import { describe, expect, it } from "vitest";
import { type ConfigError, loadConfig } from "../../src/app/config.js";

describe("offers configuration", () => {
  it("runs the simulator on the embedded default, nothing on PostgreSQL, the service when given its URL", () => {
    expect(loadConfig({}).offers).toMatchObject({
      mode: "simulator",
      refreshIntervalMs: 60_000,
      timeoutMs: 5000,
      refreshConcurrency: 8,
    });
    expect(loadConfig({ DATABASE_URL: "postgres://db/shop" }).offers.mode).toBe("off");
    expect(
      loadConfig({
        DATABASE_URL: "postgres://db/shop",
        OFFERS_BASE_URL: "https://offers.example.com/api/v1",
        OFFERS_REFRESH_TOKEN: "secret",
        OFFERS_REFRESH_INTERVAL: "5m",
      }).offers,
    ).toMatchObject({
      mode: "service",
      baseUrl: "https://offers.example.com/api/v1",
      refreshToken: "secret",
      refreshIntervalMs: 300_000,
    });
  });

  it("refuses a base URL without a refresh token, and a URL that is not http(s)", () => {
    const problems = (env: Record<string, string>) => {
      try {
        loadConfig(env);
      } catch (error) {
        return (error as ConfigError).problems;
      }
      return [];
    };
    expect(problems({ OFFERS_BASE_URL: "https://offers.example.com" })).toEqual([
      expect.stringMatching(/^OFFERS_REFRESH_TOKEN: is required with OFFERS_BASE_URL/),
    ]);
    expect(problems({ OFFERS_BASE_URL: "ftp://x", OFFERS_REFRESH_TOKEN: "t" })).toEqual([
      expect.stringMatching(/^OFFERS_BASE_URL: must be a URL/),
    ]);
    expect(problems({ OFFERS_REFRESH_INTERVAL: "often" })).toEqual([
      expect.stringMatching(/^OFFERS_REFRESH_INTERVAL:/),
    ]);
  });
});
