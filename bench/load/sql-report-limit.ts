// The limit of GetSalesReport, run as its own process by bench/bench.ts: the report's one SQL statement run
// straight at PostgreSQL with postgres.js, the same pool size and concurrency as the app side. It is the
// statement PostgresSalesReadModel.salesByBucket sends for an unfiltered report (src/adapters/postgres/
// postgres-sales-read-model.ts: bucketsFrom over fromRollups, the 15-minute rollups of the range's whole slots
// plus the lines of its clipped ends), copied with its parameters in the same places; keep the two in step. Before the load it checks that each report's totals are the ones the
// app answered, so a drifted copy fails instead of measuring something else.
import type postgres from "postgres";
import { connectDatabase } from "../../src/adapters/postgres/database.js";
import { closedLoop, inputOf, printResult } from "./load-result.js";

interface Report {
  readonly startMs: number;
  readonly endMs: number;
  /** date_trunc unit: "day", "week", "month" or "year". */
  readonly unit: string;
  readonly timeZone: string;
  /** The totals the app answered for this report. */
  readonly expected: { readonly orders: number; readonly units: number };
}

interface Input {
  readonly databaseUrl: string;
  readonly poolSize: number;
  readonly connections: number;
  readonly warmupSeconds: number;
  readonly seconds: number;
  readonly reports: readonly Report[];
}

const input = inputOf<Input>();
const sql = connectDatabase(input.databaseUrl, { max: input.poolSize });
const SLOT_MS = 15 * 60_000;

async function run(report: Report) {
  const range = { start: new Date(report.startMs), end: new Date(report.endMs) };
  const aligned = {
    start: new Date(Math.ceil(report.startMs / SLOT_MS) * SLOT_MS),
    end: new Date(Math.floor(report.endMs / SLOT_MS) * SLOT_MS),
  };
  if (aligned.start >= aligned.end) throw new Error("a report of the bench must span whole slots");
  const { unit, timeZone: zone } = report;
  const unitFragment = sql`${unit}::text`;
  const edges = sql`((o.create_time >= ${range.start} and o.create_time < ${aligned.start})
                         or (o.create_time >= ${aligned.end} and o.create_time < ${range.end}))`;
  const lines = (u: postgres.Fragment) => sql`
      select local_start, count(*) as order_count, sum(units) as units, sum(revenue) as revenue
      from (
        select o.id, date_trunc(${u}, o.create_time at time zone ${zone}::text) as local_start,
               sum(i.quantity) as units, sum(i.quantity * i.unit_price_minor) as revenue
        from orders o join order_items i on i.order_id = o.id
        where o.status <> 'CANCELLED' and ${edges}
        group by o.id
      ) as per_order
      group by local_start`;
  const perBucket = (u: postgres.Fragment) => sql`
      select date_trunc(${u}, s.slot at time zone ${zone}::text) as local_start,
             sum(s.orders) as order_count, sum(s.units) as units, sum(s.revenue_minor) as revenue
      from sales_slots s
      where s.slot >= ${aligned.start} and s.slot < ${aligned.end}
      group by 1
      union all
      ${lines(u)}`;
  return sql<{ start_at: Date; order_count: number; units: number; revenue: number }[]>`
        with series as (
          select local_start
          from generate_series(
            date_trunc(${unit}, ${range.start}::timestamptz at time zone ${zone}::text),
            ${range.end}::timestamptz at time zone ${zone}::text,
            ${`1 ${unit}`}::interval
          ) as local_start
        ),
        per_bucket as (
          select local_start, sum(order_count)::int8 as order_count, sum(units)::int8 as units,
                 sum(revenue)::int8 as revenue
          from (${perBucket(unitFragment)}) as figures
          group by local_start
        )
        select (local_start at time zone ${zone}::text) as start_at,
               coalesce(b.order_count, 0)::int8 as order_count, coalesce(b.units, 0)::int8 as units,
               coalesce(b.revenue, 0)::int8 as revenue
        from series s full join per_bucket b using (local_start)
        where (local_start at time zone ${zone}::text) < ${range.end}::timestamptz
        order by local_start`;
}

for (const report of input.reports) {
  const rows = await run(report);
  const orders = rows.reduce((sum, r) => sum + Number(r.order_count), 0);
  const units = rows.reduce((sum, r) => sum + Number(r.units), 0);
  if (orders !== report.expected.orders || units !== report.expected.units)
    throw new Error(
      `the copied report (${report.unit}, ${report.timeZone}) sums to ${orders} orders and ${units} units; ` +
        `the app answered ${report.expected.orders} and ${report.expected.units}`,
    );
}

const result = await closedLoop(input.connections, input.warmupSeconds, input.seconds, async () => {
  const report = input.reports[Math.floor(Math.random() * input.reports.length)];
  if (report) await run(report);
});
await sql.end({ timeout: 5 });
printResult(result);
