import { timestampDate, timestampFromDate } from "@bufbuild/protobuf/wkt";
import { useQuery } from "@connectrpc/connect-query";
import { useMemo, useState } from "react";
import { AnalyticsService, Bucket, Ranking } from "../../../gen/shopfloor/analytics/v1/analytics_pb.js";
import { TimeChart } from "../chart.js";
import { readable } from "../errors.js";
import { currencyDigits, enumWord, formatMoney } from "../format.js";
import { FormError, Loading } from "../ui.js";

const BUCKETS = [Bucket.DAY, Bucket.WEEK, Bucket.MONTH, Bucket.YEAR, Bucket.NONE];
const ZONES: readonly string[] = (
  Intl as { supportedValuesOf?: (k: string) => string[] }
).supportedValuesOf?.("timeZone") ?? ["UTC"];
const BROWSER_ZONE = Intl.DateTimeFormat().resolvedOptions().timeZone;

const isoDay = (d: Date) => d.toISOString().slice(0, 10);
/** A date typed as YYYY-MM-DD read as that day's start in UTC; the server buckets in the chosen zone. */
const dayStart = (text: string) => new Date(`${text}T00:00:00Z`);

/** Sales over a range: per-bucket revenue and units as charts and a table, and the best sellers. */
export function SalesPage() {
  const today = new Date();
  const [from, setFrom] = useState(isoDay(new Date(today.getTime() - 90 * 86_400_000)));
  const [to, setTo] = useState(isoDay(new Date(today.getTime() + 86_400_000)));
  const [bucket, setBucket] = useState(Bucket.WEEK);
  const [timeZone, setTimeZone] = useState(ZONES.includes(BROWSER_ZONE) ? BROWSER_ZONE : "UTC");
  const [ranking, setRanking] = useState(Ranking.REVENUE);
  const range = { startTime: timestampFromDate(dayStart(from)), endTime: timestampFromDate(dayStart(to)) };
  const report = useQuery(AnalyticsService.method.getSalesReport, { ...range, bucket, timeZone });
  const top = useQuery(AnalyticsService.method.getTopProducts, { ...range, ranking, limit: 10 });
  const buckets = report.data?.buckets ?? [];
  const currency = report.data?.totalRevenue?.currencyCode ?? "EUR";
  const scale = 10 ** currencyDigits(currency);
  const chart = useMemo(
    () => ({
      x: buckets.map((b) => (b.startTime ? timestampDate(b.startTime).getTime() / 1000 : 0)),
      revenue: [
        {
          label: `Revenue (${currency})`,
          color: "#2454d6",
          bars: true,
          values: buckets.map((b) => Number(b.revenue?.amountMinor ?? 0n) / scale),
        },
      ],
      units: [{ label: "Units", color: "#067647", values: buckets.map((b) => Number(b.units)) }],
    }),
    [buckets, currency, scale],
  );
  const best = top.data?.products ?? [];
  const max = Math.max(
    1,
    ...best.map((p) => (ranking === Ranking.UNITS ? Number(p.units) : Number(p.revenue?.amountMinor ?? 0n))),
  );
  return (
    <section>
      <h1>Sales</h1>
      <div className="toolbar">
        <label>
          From <input type="date" value={from} onChange={(e) => setFrom(e.target.value)} />
        </label>
        <label>
          Until (exclusive) <input type="date" value={to} onChange={(e) => setTo(e.target.value)} />
        </label>
        <label>
          Bucket{" "}
          <select value={bucket} onChange={(e) => setBucket(Number(e.target.value) as Bucket)}>
            {BUCKETS.map((b) => (
              <option key={b} value={b}>
                {b === Bucket.NONE ? "Whole range" : enumWord(Bucket[b])}
              </option>
            ))}
          </select>
        </label>
        <label>
          Time zone{" "}
          <select value={timeZone} onChange={(e) => setTimeZone(e.target.value)}>
            {ZONES.map((z) => (
              <option key={z} value={z}>
                {z}
              </option>
            ))}
          </select>
        </label>
      </div>
      {report.isPending ? <Loading what="the report" /> : null}
      {report.error ? <FormError error={readable(report.error)} /> : null}
      {report.data ? (
        <>
          <p data-testid="sales-totals">
            <strong>{formatMoney(report.data.totalRevenue)}</strong> from{" "}
            <strong>{report.data.totalOrderCount.toString()}</strong> orders,{" "}
            <strong>{report.data.totalUnits.toString()}</strong> units
          </p>
          <TimeChart x={chart.x} series={chart.revenue} label="revenue per bucket" />
          <TimeChart x={chart.x} series={chart.units} height={180} label="units per bucket" />
          <div className="table-wrap">
            <table aria-label="buckets">
              <thead>
                <tr>
                  <th>From</th>
                  <th className="num">Orders</th>
                  <th className="num">Units</th>
                  <th className="num">Revenue</th>
                </tr>
              </thead>
              <tbody>
                {buckets.map((b) => (
                  <tr key={String(b.startTime?.seconds)}>
                    <td>
                      {b.startTime
                        ? timestampDate(b.startTime).toLocaleString(undefined, {
                            timeZone,
                            dateStyle: "medium",
                          })
                        : ""}
                    </td>
                    <td className="num">{b.orderCount.toString()}</td>
                    <td className="num">{b.units.toString()}</td>
                    <td className="num">{formatMoney(b.revenue)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </>
      ) : null}
      <h2>
        Top products by{" "}
        <select
          value={ranking}
          onChange={(e) => setRanking(Number(e.target.value) as Ranking)}
          aria-label="ranking"
        >
          <option value={Ranking.REVENUE}>revenue</option>
          <option value={Ranking.UNITS}>units</option>
        </select>
      </h2>
      {top.error ? <FormError error={readable(top.error)} /> : null}
      <ol className="bars" aria-label="top products">
        {best.map((p) => {
          const value = ranking === Ranking.UNITS ? Number(p.units) : Number(p.revenue?.amountMinor ?? 0n);
          return (
            <li key={p.productId}>
              <span className="bar-label">{p.name}</span>
              <span className="bar" style={{ width: `${(100 * value) / max}%` }} />
              <span className="bar-value">
                {ranking === Ranking.UNITS ? `${p.units} units` : formatMoney(p.revenue)}
              </span>
            </li>
          );
        })}
      </ol>
    </section>
  );
}
