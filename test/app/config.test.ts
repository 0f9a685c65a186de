import { describe, expect, it } from "vitest";
import { ConfigError, loadConfig, parseDuration } from "../../src/app/config.js";

describe("configuration", () => {
  it("boots on the embedded default with nothing set", () => {
    const config = loadConfig({});
    expect(config).toMatchObject({
      embedded: true,
      databaseUrl: undefined,
      natsUrl: undefined,
      httpPort: 8080,
      grpcPort: 50051,
      dataDir: "./.data",
      shopCurrency: "EUR",
      maxBodyBytes: 1024 * 1024,
      admin: undefined,
    });
    expect(config.jwt.accessTtlSeconds).toBe(15 * 60);
    expect(config.refreshTokenTtlSeconds).toBe(30 * 24 * 3600);
  });

  it("reports every bad value on its own line, naming the variable", () => {
    const error = (() => {
      try {
        loadConfig({
          HTTP_PORT: "eighty",
          DATABASE_URL: "mysql://x",
          ACCESS_TOKEN_TTL: "soon",
          SHOP_CURRENCY: "euro",
        });
      } catch (e) {
        return e;
      }
    })();
    expect(error).toBeInstanceOf(ConfigError);
    const problems = (error as ConfigError).problems;
    expect(problems).toHaveLength(4);
    for (const name of ["HTTP_PORT", "DATABASE_URL", "ACCESS_TOKEN_TTL", "SHOP_CURRENCY"]) {
      expect(problems.some((p) => p.startsWith(`${name}:`))).toBe(true);
    }
  });

  it("refuses a weak first-admin password and a half-given admin", () => {
    expect(() => loadConfig({ ADMIN_EMAIL: "a@example.com", ADMIN_PASSWORD: "password" })).toThrow(
      /ADMIN_PASSWORD: is too weak/,
    );
    expect(() => loadConfig({ ADMIN_EMAIL: "a@example.com" })).toThrow(
      /ADMIN_EMAIL and ADMIN_PASSWORD go together/,
    );
    expect(
      loadConfig({ ADMIN_EMAIL: "a@example.com", ADMIN_PASSWORD: "Str0ng-Enough-Pass" }).admin?.email,
    ).toBe("a@example.com");
  });

  it("runs on real servers when their URLs are given", () => {
    const config = loadConfig({ DATABASE_URL: "postgres://u@db:5432/shop", NATS_URL: "nats://bus:4222" });
    expect(config.embedded).toBe(false);
    expect(config.databaseUrl).toBe("postgres://u@db:5432/shop");
    expect(config.natsUrl).toBe("nats://bus:4222");
  });

  it("sets the abuse-resistance limits, and takes 0 as a rate limit turned off", () => {
    const config = loadConfig({});
    expect(config.loginThrottle).toEqual({
      perAccount: 10,
      perAccountAndAddress: 20,
      perAddress: 100,
      windowSeconds: 900,
      maxDelaySeconds: 60,
    });
    expect(config.signUpThrottle).toEqual({ perAddress: 10, total: 1000, windowSeconds: 3600 });
    expect(config.rateLimits).toEqual({ perAddress: 1200, perAccount: 1200, windowMs: 60_000, syncMs: 1000 });
    expect(config.signingKeyReloadMs).toBe(30_000);
    expect(config.watchLimits).toEqual({ perUser: 10, perInstance: 10_000 });
    expect(loadConfig({ RATE_LIMIT_PER_ADDRESS: "0" }).rateLimits.perAddress).toBe(0);
    expect(() => loadConfig({ REGISTER_MAX_PER_ADDRESS: "0" })).toThrow(ConfigError);
    expect(() => loadConfig({ SIGNING_KEY_RELOAD: "never" })).toThrow(/SIGNING_KEY_RELOAD/);
  });

  it("parses durations and refuses anything else", () => {
    expect(parseDuration("500ms")).toBe(500);
    expect(parseDuration("30s")).toBe(30_000);
    expect(parseDuration("15m")).toBe(900_000);
    expect(parseDuration("24h")).toBe(86_400_000);
    expect(parseDuration("30d")).toBe(2_592_000_000);
    expect(parseDuration("1 week")).toBeUndefined();
    expect(parseDuration("-5s")).toBeUndefined();
  });
});

describe("CORS_ALLOWED_ORIGINS", () => {
  it("takes *, none or a list of origins, and refuses anything else", () => {
    expect(loadConfig({}).corsOrigins).toBe("*");
    expect(loadConfig({ CORS_ALLOWED_ORIGINS: "none" }).corsOrigins).toEqual([]);
    expect(
      loadConfig({ CORS_ALLOWED_ORIGINS: "https://a.example, http://localhost:3000" }).corsOrigins,
    ).toEqual(["https://a.example", "http://localhost:3000"]);
    expect(() => loadConfig({ CORS_ALLOWED_ORIGINS: "a.example/path" })).toThrow(/CORS_ALLOWED_ORIGINS/);
  });
});
