import postgres from "postgres";

export type Sql = postgres.Sql;
/** A connection or a transaction: repositories accept either, so they work inside and outside a UnitOfWork. */
export type SqlExecutor = postgres.Sql | postgres.TransactionSql;

export interface DatabaseOptions {
  /** Pool size. PGlite is single-session: its pool must be 1. */
  readonly max: number;
  readonly onnotice?: (notice: postgres.Notice) => void;
}

/** A postgres.js pool with int8 read as a JS number (amounts and counts stay far below 2^53). */
export function connectDatabase(url: string, options: DatabaseOptions): Sql {
  return postgres(url, {
    max: options.max,
    onnotice: options.onnotice ?? (() => {}),
    connect_timeout: 10,
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
