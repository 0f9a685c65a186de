import postgres from "postgres";

export type Sql = postgres.Sql;
/** A connection or a transaction: repositories accept either, so they work inside and outside a UnitOfWork. */
export type SqlExecutor = postgres.Sql | postgres.TransactionSql;

export interface DatabaseOptions {
  /** Pool size. PGlite is single-session: its pool must be 1. */
  readonly max: number;
  /**
   * How long opening a connection may take. A request that needs a new connection waits this long at most when
   * the server accepts TCP but does not answer (stuck, or partitioned away), then fails UNAVAILABLE: short
   * enough to answer before a typical client deadline, long enough for a loaded server's handshake.
   */
  readonly connectTimeoutSeconds?: number;
  readonly onnotice?: (notice: postgres.Notice) => void;
}

/** A postgres.js pool with int8 read as a JS number (amounts and counts stay far below 2^53). */
export function connectDatabase(url: string, options: DatabaseOptions): Sql {
  return postgres(url, {
    max: options.max,
    onnotice: options.onnotice ?? (() => {}),
    connect_timeout: options.connectTimeoutSeconds ?? 3,
    // A query waits out its connection's reconnect delay before the attempt even starts. postgres.js grows it to
    // 20 s after repeated failures, which kept requests waiting on a database that was back; 1 s at most here.
    backoff: (retries: number) => Math.min(0.05 * 2 ** retries, 1),
    idle_timeout: 0,
    types: {
      bigint: {
        to: 20,
        from: [20],
        serialize: (value: number | bigint) => value.toString(),
        parse: (value: string) => Number(value),
      },
    },
    connection: { application_name: "shopfloor" },
  });
}

const UNREACHABLE = new Set([
  "CONNECTION_CLOSED",
  "CONNECTION_ENDED",
  "CONNECTION_DESTROYED",
  "CONNECT_TIMEOUT",
  "ECONNREFUSED",
  "ECONNRESET",
  "ETIMEDOUT",
  "EHOSTUNREACH",
  "ENOTFOUND",
  "EPIPE",
]);

/**
 * Whether an error means the database could not be reached or dropped us (a restart, a failover, too many
 * connections), as opposed to a bug: such failures are worth retrying and are answered UNAVAILABLE.
 */
export function isDatabaseUnavailable(error: unknown): boolean {
  if (error instanceof postgres.PostgresError) {
    // 08: connection exception; 57P01-57P03: admin shutdown, crash shutdown, cannot connect now; 53300: too many connections.
    return error.code.startsWith("08") || /^57P0[1-3]$/.test(error.code) || error.code === "53300";
  }
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === "string" && UNREACHABLE.has(code);
}
