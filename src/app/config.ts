import { availableParallelism } from "node:os";
import { z } from "zod";
import { isStrongAdminPassword } from "../domain/identity/credentials-policy.js";

// The one place that reads the environment. Every variable is validated at start; each bad one is reported
// on its own line, and the process refuses to start. The README's configuration table mirrors this file.

const DURATION = /^(\d+)(ms|s|m|h|d)$/;
const UNIT_MS = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;

/** One fewer than the cores (at least one): see `passwordHashConcurrency`. */
export const DEFAULT_PASSWORD_HASH_CONCURRENCY = Math.max(1, availableParallelism() - 1);

/** "500ms", "30s", "15m", "24h", "30d" -> milliseconds. */
export function parseDuration(text: string): number | undefined {
  const m = DURATION.exec(text.trim());
  if (!m?.[1] || !m[2]) return undefined;
  return Number(m[1]) * UNIT_MS[m[2] as keyof typeof UNIT_MS];
}

const duration = (fallback: string) =>
  z
    .string()
    .default(fallback)
    .transform((text, ctx) => {
      const ms = parseDuration(text);
      if (ms === undefined || ms <= 0) {
        ctx.addIssue({
          code: "custom",
          message: `must be a duration like 500ms, 30s, 15m, 24h or 30d (got "${text}")`,
        });
        return z.NEVER;
      }
      return ms;
    });

/** A duration, or "off" (undefined). */
const optionalDuration = (fallback: string) =>
  z
    .string()
    .default(fallback)
    .transform((text, ctx) => {
      if (text.trim() === "off") return undefined;
      const ms = parseDuration(text);
      if (ms === undefined || ms <= 0) {
        ctx.addIssue({ code: "custom", message: `must be "off" or a duration like 30s (got "${text}")` });
        return z.NEVER;
      }
      return ms;
    });

const port = (fallback: number) => z.coerce.number().int().min(0).max(65_535).default(fallback);
const bool = (fallback: boolean) =>
  z
    .enum(["true", "false", "1", "0"], { message: 'must be "true" or "false"' })
    .default(fallback ? "true" : "false")
    .transform((v) => v === "true" || v === "1");
const url = (protocols: string[]) =>
  z
    .string()
    .optional()
    .refine(
      (v) => {
        if (v === undefined || v === "") return true;
        try {
          return protocols.includes(new URL(v).protocol);
        } catch {
          return false;
        }
      },
      { message: `must be a URL (${protocols.join(" or ")})` },
    )
    .transform((v) => (v ? v : undefined));

const schema = z
  .object({
    HOST: z.string().min(1).default("0.0.0.0"),
    HTTP_PORT: port(8080),
    GRPC_PORT: port(50051),
    DATABASE_URL: url(["postgres:", "postgresql:"]),
    DATABASE_POOL_SIZE: z.coerce.number().int().min(1).max(200).default(10),
    DATABASE_CONNECT_TIMEOUT: duration("3s"),
    SHOPFLOOR_DATA_DIR: z.string().min(1).default("./.data"),
    NATS_URL: url(["nats:", "tls:", "ws:", "wss:"]),
    NATS_STREAM: z
      .string()
      .regex(/^[A-Za-z0-9_-]{1,64}$/, "must be letters, digits, '-' or '_'")
      .default("SHOPFLOOR_EVENTS"),
    // Tokens of letters, digits, '-' and '_' separated by dots: no wildcard, no empty token.
    NATS_SUBJECT_PREFIX: z
      .string()
      .regex(
        /^[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)*$/,
        "must be dot-separated tokens of letters, digits, '-' or '_'",
      )
      .refine((v) => v.length <= 128, "must be at most 128 characters")
      .default("shopfloor.events"),
    NATS_STREAM_REPLICAS: z.coerce.number().int().min(1).max(5).default(1),
    NATS_DUPLICATE_WINDOW: duration("2m"),
    EVENT_RETENTION: duration("7d"),
    CONSUMER_MAX_DELIVER: z.coerce.number().int().min(1).max(100).default(5),
    CONSUMER_RETRY_BASE: duration("1s"),
    ADMIN_EMAIL: z.string().optional(),
    ADMIN_PASSWORD: z.string().optional(),
    JWT_ISSUER: z.string().min(1).default("shopfloor"),
    JWT_AUDIENCE: z.string().min(1).default("shopfloor-api"),
    ACCESS_TOKEN_TTL: duration("15m"),
    REFRESH_TOKEN_TTL: duration("30d"),
    LOGIN_MAX_FAILURES_PER_ACCOUNT: z.coerce.number().int().min(1).default(10),
    LOGIN_MAX_FAILURES_PER_ADDRESS: z.coerce.number().int().min(1).default(100),
    LOGIN_THROTTLE_WINDOW: duration("15m"),
    LOGIN_MAX_FAILURES_PER_ACCOUNT_AND_ADDRESS: z.coerce.number().int().min(1).default(20),
    LOGIN_MAX_DELAY: duration("1m"),
    REGISTER_MAX_PER_ADDRESS: z.coerce.number().int().min(1).default(10),
    REGISTER_MAX_TOTAL: z.coerce.number().int().min(1).default(1000),
    REGISTER_THROTTLE_WINDOW: duration("1h"),
    RATE_LIMIT_PER_ADDRESS: z.coerce.number().int().min(0).default(1200),
    RATE_LIMIT_PER_ACCOUNT: z.coerce.number().int().min(0).default(1200),
    RATE_LIMIT_WINDOW: duration("1m"),
    RATE_LIMIT_SYNC: duration("1s"),
    SIGNING_KEY_RELOAD: duration("30s"),
    WATCH_MAX_STREAMS_PER_USER: z.coerce.number().int().min(1).default(10),
    WATCH_MAX_STREAMS: z.coerce.number().int().min(1).default(10_000),
    CORS_ALLOWED_ORIGINS: z
      .string()
      .default("*")
      .refine(
        (v) =>
          v.trim() === "*" ||
          v.trim() === "none" ||
          v
            .split(",")
            .map((o) => o.trim())
            .filter(Boolean)
            .every((o) => /^https?:\/\/[^/\s]+$/.test(o)),
        { message: 'must be "*", "none" or a comma-separated list of origins like https://shop.example.com' },
      ),
    MAX_BODY_BYTES: z.coerce
      .number()
      .int()
      .min(1024)
      .max(64 * 1024 * 1024)
      .default(1024 * 1024),
    HTTP_REQUEST_TIMEOUT: duration("30s"),
    GRPC_MAX_CONCURRENT_STREAMS: z.coerce.number().int().min(1).max(10_000).default(100),
    GRPC_KEEPALIVE_TIME: duration("60s"),
    GRPC_KEEPALIVE_TIMEOUT: duration("20s"),
    METRICS_TOKEN: z.string().min(16, "must be at least 16 characters").optional(),
    METRICS_LISTEN: z
      .string()
      .regex(/^(\[[0-9a-fA-F:]+\]|[A-Za-z0-9.-]+):\d{1,5}$/, "must be host:port, e.g. 127.0.0.1:9464")
      .optional(),
    SHOP_CURRENCY: z
      .string()
      .regex(/^[A-Z]{3}$/, "must be an ISO 4217 code such as EUR")
      .default("EUR"),
    LOG_LEVEL: z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).default("info"),
    SHUTDOWN_GRACE: duration("10s"),
    DEMO_DATA: bool(true),
    ORDER_AUTO_ADVANCE: optionalDuration("off"),
    JOB_LEASE: duration("60s"),
    WEBHOOK_RETRY_BASE: duration("5s"),
    WEBHOOK_RETRY_MAX_AGE: duration("24h"),
    WEBHOOK_ALLOW_PRIVATE: bool(false),
    WEBHOOK_TIMEOUT: duration("15s"),
    WEBHOOK_DISABLE_AFTER: duration("5d"),
    WEBHOOK_CONCURRENCY: z.coerce.number().int().min(1).max(1000).default(8),
    WEBHOOK_ENDPOINT_CONCURRENCY: z.coerce.number().int().min(1).max(100).default(2),
    SALE_INTAKE_SWEEP: duration("60s"),
    OFFERS_BASE_URL: url(["http:", "https:"]),
    OFFERS_REFRESH_TOKEN: z.string().max(16_384).optional(),
    OFFERS_REFRESH_INTERVAL: duration("60s"),
    OFFERS_TIMEOUT: duration("5s"),
    OFFERS_REFRESH_CONCURRENCY: z.coerce.number().int().min(1).max(256).default(8),
    PLACE_ORDER_BATCH_SIZE: z.coerce.number().int().min(1).max(500).default(64),
    PLACE_ORDER_BATCHES_IN_FLIGHT: z.coerce.number().int().min(1).max(100).default(2),
    PASSWORD_HASH_CONCURRENCY: z.coerce
      .number()
      .int()
      .min(1)
      .max(64)
      .default(DEFAULT_PASSWORD_HASH_CONCURRENCY),
  })
  .superRefine((env, ctx) => {
    if (Boolean(env.ADMIN_EMAIL) !== Boolean(env.ADMIN_PASSWORD)) {
      ctx.addIssue({
        code: "custom",
        path: ["ADMIN_PASSWORD"],
        message: "ADMIN_EMAIL and ADMIN_PASSWORD go together",
      });
    }
    if (env.OFFERS_BASE_URL && !env.OFFERS_REFRESH_TOKEN) {
      ctx.addIssue({
        code: "custom",
        path: ["OFFERS_REFRESH_TOKEN"],
        message: "is required with OFFERS_BASE_URL (the refresh token the Offers service's operator issued)",
      });
    }
    if (env.ADMIN_PASSWORD && !isStrongAdminPassword(env.ADMIN_PASSWORD)) {
      ctx.addIssue({
        code: "custom",
        path: ["ADMIN_PASSWORD"],
        message:
          "is too weak: at least 12 characters with three of lower case, upper case, digits and symbols",
      });
    }
  });

export type Env = Readonly<Record<string, string | undefined>>;

export interface Config {
  readonly host: string;
  readonly httpPort: number;
  readonly grpcPort: number;
  /** Absent: the embedded default (PGlite in dataDir). */
  readonly databaseUrl: string | undefined;
  readonly databasePoolSize: number;
  /** DATABASE_CONNECT_TIMEOUT: opening a connection takes at most this; then UNAVAILABLE. */
  readonly databaseConnectTimeoutSeconds: number;
  readonly dataDir: string;
  /** Absent: the in-process bus. */
  readonly natsUrl: string | undefined;
  readonly events: {
    /** JetStream stream holding every event. */
    readonly stream: string;
    /** NATS_SUBJECT_PREFIX: events go to `<prefix>.<context>.<event>`; one prefix and stream per deployment. */
    readonly subjectPrefix: string;
    readonly streamReplicas: number;
    /** How long JetStream drops a republished event id. */
    readonly duplicateWindowMs: number;
    /** How long published events, processed ids and finished jobs are kept (and the stream's max age). */
    readonly retentionMs: number;
    /** Deliveries of an event to a consumer before it is dead-lettered. */
    readonly consumerMaxDeliver: number;
    /** First redelivery delay, doubling per attempt (capped at 60 s). */
    readonly consumerRetryBaseMs: number;
  };
  readonly admin: { readonly email: string; readonly password: string } | undefined;
  readonly jwt: { readonly issuer: string; readonly audience: string; readonly accessTtlSeconds: number };
  readonly refreshTokenTtlSeconds: number;
  readonly loginThrottle: {
    /** Failures per account (from anywhere) before each attempt must wait a growing delay. */
    readonly perAccount: number;
    /** Failures per account from one client network before that network is refused for the window. */
    readonly perAccountAndAddress: number;
    /** Failures per client network (an IPv4 address, an IPv6 /64), over all accounts. */
    readonly perAddress: number;
    readonly windowSeconds: number;
    /** The longest delay between attempts on an account past its failures. */
    readonly maxDelaySeconds: number;
  };
  readonly signUpThrottle: {
    readonly perAddress: number;
    readonly total: number;
    readonly windowSeconds: number;
  };
  /** Calls per client network and per account per window, on every RPC; 0 turns a budget off. */
  readonly rateLimits: {
    readonly perAddress: number;
    readonly perAccount: number;
    readonly windowMs: number;
    /** How often an instance adds its counts to the shared ones and reads everyone's. */
    readonly syncMs: number;
  };
  /** How often every instance re-reads the signing keys: the bound on how long a retired key still verifies. */
  readonly signingKeyReloadMs: number;
  /** WatchOrder streams open at once, per user and per instance. */
  readonly watchLimits: { readonly perUser: number; readonly perInstance: number };
  readonly maxBodyBytes: number;
  /** HTTP_REQUEST_TIMEOUT: a request's headers and body must arrive within this (a stalled upload is cut off). */
  readonly httpRequestTimeoutMs: number;
  readonly grpc: {
    readonly maxConcurrentStreams: number;
    readonly keepaliveTimeMs: number;
    readonly keepaliveTimeoutMs: number;
  };
  /** Who may read /metrics: a bearer token (METRICS_TOKEN), and/or only on its own address (METRICS_LISTEN). */
  readonly metrics: {
    readonly token: string | undefined;
    readonly listen: { readonly host: string; readonly port: number } | undefined;
  };
  /** CORS_ALLOWED_ORIGINS: "*" or the exact origins browsers may call from. */
  readonly corsOrigins: "*" | readonly string[];
  readonly shopCurrency: string;
  readonly logLevel: string;
  readonly shutdownGraceMs: number;
  /** True when no DATABASE_URL is given: demo admin and demo data are loaded into an empty database. */
  readonly embedded: boolean;
  readonly demoData: boolean;
  /** ORDER_AUTO_ADVANCE: the fulfilment simulator's period; undefined when off (default; 30 s when embedded). */
  readonly orderAutoAdvanceMs: number | undefined;
  /** JOB_LEASE: how long a scheduled job's claim holds unrenewed, i.e. how soon a dead instance's job moves on. */
  readonly jobLeaseMs: number;
  readonly webhooks: {
    /** First retry delay; Svix's whole schedule (5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 10 h) scales with it. */
    readonly retryBaseMs: number;
    /** Nothing is attempted later than this after a delivery's first attempt; then it is dead-lettered. */
    readonly retryMaxAgeMs: number;
    /** Accept http URLs and hosts on loopback/private/link-local addresses (tests and local demos only). */
    readonly allowPrivate: boolean;
    /** Bound on one attempt, connect to response. */
    readonly timeoutMs: number;
    /** An endpoint failing every attempt this long is disabled. */
    readonly disableAfterMs: number;
    /** Attempts in flight on one instance, over all endpoints. */
    readonly concurrency: number;
    /** Attempts in flight to one endpoint on one instance. */
    readonly endpointConcurrency: number;
  };
  readonly manufacturing: {
    /** SALE_INTAKE_SWEEP: how often sales still without a purchase that old are written by the backstop. */
    readonly intakeSweepMs: number;
  };
  readonly offers: {
    /**
     * "service": the Offers service at baseUrl; "simulator": the simulator started in-process (the embedded
     * default with no OFFERS_BASE_URL); "off": no registration or refresh (PostgreSQL with no OFFERS_BASE_URL).
     */
    readonly mode: "service" | "simulator" | "off";
    readonly baseUrl: string | undefined;
    readonly refreshToken: string | undefined;
    readonly refreshIntervalMs: number;
    /** Timeout of every call to the service. */
    readonly timeoutMs: number;
    /** Products refreshed at once by a refresh pass. */
    readonly refreshConcurrency: number;
  };
  /** Group commit of PlaceOrder: most orders per transaction (1: none) and most such transactions at once. */
  readonly placeOrderBatching: { readonly maxBatch: number; readonly maxInFlight: number };
  /**
   * Most argon2 hashes or verifications running at once (the rest queue): by default one fewer than the cores,
   * so a burst of logins or sign-ups never takes every core from the other calls, and at most that many
   * 19 MiB hash buffers are held at once.
   */
  readonly passwordHashConcurrency: number;
}

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`invalid configuration:\n${problems.map((p) => `  ${p}`).join("\n")}`);
  }
}

export function loadConfig(env: Env = process.env): Config {
  // Empty strings count as unset, as in most .env tooling.
  const present = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ""));
  const parsed = schema.safeParse(present);
  if (!parsed.success) {
    throw new ConfigError(
      parsed.error.issues.map((i) => `${i.path.join(".") || "environment"}: ${i.message}`),
    );
  }
  const e = parsed.data;
  return {
    host: e.HOST,
    httpPort: e.HTTP_PORT,
    grpcPort: e.GRPC_PORT,
    databaseUrl: e.DATABASE_URL,
    databasePoolSize: e.DATABASE_POOL_SIZE,
    databaseConnectTimeoutSeconds: Math.max(1, Math.ceil(e.DATABASE_CONNECT_TIMEOUT / 1000)),
    dataDir: e.SHOPFLOOR_DATA_DIR,
    natsUrl: e.NATS_URL,
    events: {
      stream: e.NATS_STREAM,
      subjectPrefix: e.NATS_SUBJECT_PREFIX,
      streamReplicas: e.NATS_STREAM_REPLICAS,
      duplicateWindowMs: e.NATS_DUPLICATE_WINDOW,
      retentionMs: e.EVENT_RETENTION,
      consumerMaxDeliver: e.CONSUMER_MAX_DELIVER,
      consumerRetryBaseMs: e.CONSUMER_RETRY_BASE,
    },
    admin:
      e.ADMIN_EMAIL && e.ADMIN_PASSWORD ? { email: e.ADMIN_EMAIL, password: e.ADMIN_PASSWORD } : undefined,
    jwt: {
      issuer: e.JWT_ISSUER,
      audience: e.JWT_AUDIENCE,
      accessTtlSeconds: Math.round(e.ACCESS_TOKEN_TTL / 1000),
    },
    refreshTokenTtlSeconds: Math.round(e.REFRESH_TOKEN_TTL / 1000),
    loginThrottle: {
      perAccount: e.LOGIN_MAX_FAILURES_PER_ACCOUNT,
      perAddress: e.LOGIN_MAX_FAILURES_PER_ADDRESS,
      windowSeconds: Math.max(1, Math.round(e.LOGIN_THROTTLE_WINDOW / 1000)),
      perAccountAndAddress: e.LOGIN_MAX_FAILURES_PER_ACCOUNT_AND_ADDRESS,
      maxDelaySeconds: Math.max(1, Math.round(e.LOGIN_MAX_DELAY / 1000)),
    },
    signUpThrottle: {
      perAddress: e.REGISTER_MAX_PER_ADDRESS,
      total: e.REGISTER_MAX_TOTAL,
      windowSeconds: Math.max(1, Math.round(e.REGISTER_THROTTLE_WINDOW / 1000)),
    },
    rateLimits: {
      perAddress: e.RATE_LIMIT_PER_ADDRESS,
      perAccount: e.RATE_LIMIT_PER_ACCOUNT,
      windowMs: e.RATE_LIMIT_WINDOW,
      syncMs: e.RATE_LIMIT_SYNC,
    },
    signingKeyReloadMs: e.SIGNING_KEY_RELOAD,
    watchLimits: { perUser: e.WATCH_MAX_STREAMS_PER_USER, perInstance: e.WATCH_MAX_STREAMS },
    maxBodyBytes: e.MAX_BODY_BYTES,
    httpRequestTimeoutMs: e.HTTP_REQUEST_TIMEOUT,
    grpc: {
      maxConcurrentStreams: e.GRPC_MAX_CONCURRENT_STREAMS,
      keepaliveTimeMs: e.GRPC_KEEPALIVE_TIME,
      keepaliveTimeoutMs: e.GRPC_KEEPALIVE_TIMEOUT,
    },
    metrics: { token: e.METRICS_TOKEN, listen: hostAndPort(e.METRICS_LISTEN) },
    corsOrigins:
      e.CORS_ALLOWED_ORIGINS.trim() === "*"
        ? "*"
        : e.CORS_ALLOWED_ORIGINS.trim() === "none"
          ? []
          : e.CORS_ALLOWED_ORIGINS.split(",")
              .map((o) => o.trim())
              .filter(Boolean),
    shopCurrency: e.SHOP_CURRENCY,
    logLevel: e.LOG_LEVEL,
    shutdownGraceMs: e.SHUTDOWN_GRACE,
    embedded: e.DATABASE_URL === undefined,
    demoData: e.DEMO_DATA,
    // The embedded demo shows orders moving on their own unless told otherwise.
    orderAutoAdvanceMs:
      present.ORDER_AUTO_ADVANCE === undefined && e.DATABASE_URL === undefined
        ? 30_000
        : e.ORDER_AUTO_ADVANCE,
    jobLeaseMs: e.JOB_LEASE,
    webhooks: {
      retryBaseMs: e.WEBHOOK_RETRY_BASE,
      retryMaxAgeMs: e.WEBHOOK_RETRY_MAX_AGE,
      allowPrivate: e.WEBHOOK_ALLOW_PRIVATE,
      timeoutMs: e.WEBHOOK_TIMEOUT,
      disableAfterMs: e.WEBHOOK_DISABLE_AFTER,
      concurrency: e.WEBHOOK_CONCURRENCY,
      endpointConcurrency: e.WEBHOOK_ENDPOINT_CONCURRENCY,
    },
    manufacturing: { intakeSweepMs: e.SALE_INTAKE_SWEEP },
    offers: {
      mode: e.OFFERS_BASE_URL ? "service" : e.DATABASE_URL === undefined ? "simulator" : "off",
      baseUrl: e.OFFERS_BASE_URL,
      refreshToken: e.OFFERS_REFRESH_TOKEN,
      refreshIntervalMs: e.OFFERS_REFRESH_INTERVAL,
      timeoutMs: e.OFFERS_TIMEOUT,
      refreshConcurrency: e.OFFERS_REFRESH_CONCURRENCY,
    },
    placeOrderBatching: { maxBatch: e.PLACE_ORDER_BATCH_SIZE, maxInFlight: e.PLACE_ORDER_BATCHES_IN_FLIGHT },
    passwordHashConcurrency: e.PASSWORD_HASH_CONCURRENCY,
  };
}

/** "127.0.0.1:9464" or "[::1]:9464" -> its parts. */
function hostAndPort(text: string | undefined): { host: string; port: number } | undefined {
  if (!text) return undefined;
  const at = text.lastIndexOf(":");
  return { host: text.slice(0, at).replace(/^\[|\]$/g, ""), port: Number(text.slice(at + 1)) };
}

export { optionalDuration };
