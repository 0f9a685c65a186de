import type { SharedRequestCounts } from "../connect/request-budgets.js";
import type { Sql } from "./database.js";

/** The shared side of the request budgets: request_counts, one batched upsert per sync. */
export class PostgresSharedRequestCounts implements SharedRequestCounts {
  constructor(private readonly sql: Sql) {}

  async add(windowStart: Date, counts: ReadonlyMap<string, number>): Promise<ReadonlyMap<string, number>> {
    // Keys in one order on every instance, so two syncs touching the same rows cannot deadlock.
    const keys = [...counts.keys()].sort();
    const rows = await this.sql<{ key: string; count: string }[]>`
      insert into request_counts (key, window_start, count)
      select k, ${windowStart}::timestamptz, c
      from unnest(${this.sql.array(keys)}::text[], ${this.sql.array(keys.map((k) => counts.get(k) ?? 0))}::bigint[])
        as t(k, c)
      on conflict (key, window_start) do update set count = request_counts.count + excluded.count
      returning key, count`;
    return new Map(rows.map((r) => [r.key, Number(r.count)]));
  }
}
