import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { timestampFromMs } from "@bufbuild/protobuf/wkt";
import { afterAll, describe, expect, it } from "vitest";
import { AnalyticsService, Bucket } from "../../gen/shopfloor/analytics/v1/analytics_pb.js";
import { clientFor, closeGrpcClients } from "../support/clients.js";
import { createTestDatabase, type TestDatabase } from "../support/databases.js";
import { signInAdmin } from "../support/shop.js";
import { startTestApp } from "../support/test-app.js";

// `npm run seed` on fresh PostgreSQL databases, run as a process the way people run it (no terminal here, so
// it prints plain progress lines): the reports over what it wrote agree with SQL counts of the tables, the same
// seed writes the same rows, and a second run of one seed on the same database is refused.

const run = promisify(execFile);
const databases: TestDatabase[] = [];

async function seed(database: TestDatabase, ...args: string[]) {
  return run(process.execPath, ["--import", "tsx", "src/app/seed-command.ts", ...args], {
    env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "", DATABASE_URL: database.url },
  });
}

afterAll(async () => {
  closeGrpcClients();
  for (const db of databases) await db.drop();
});

const ARGS = [
  "--orders",
  "3000",
  "--customers",
  "60",
  "--products",
  "40",
  "--seed",
  "11",
  "--until",
  "2026-06-01",
];

describe("npm run seed", () => {
  it("writes the orders it says, with plain progress lines and a summary, that the reports add up exactly", async () => {
    const db = await createTestDatabase("postgres");
    databases.push(db);
    const { stdout } = await seed(db, ...ARGS);
    expect(stdout).toContain("seeding 3000 orders");
    expect(stdout).toMatch(/seeded 3000\/3000 orders \(100%\)/);
    expect(stdout).toMatch(/Seeded PostgreSQL in [\d.]+ s:/);
    const [counts] = await db.sql<{ orders: number; lines: number; cancelled: number }[]>`
      select count(distinct o.id)::int8 as orders, count(*)::int8 as lines,
             count(distinct o.id) filter (where o.status = 'CANCELLED')::int8 as cancelled
      from orders o join order_items i on i.order_id = o.id`;
    expect(counts?.orders).toBe(3000);
    expect(stdout).toContain(`3000 orders with ${counts?.lines} lines`);
    expect(counts?.cancelled).toBeGreaterThan(60);
    expect(counts?.cancelled).toBeLessThan(400);

    const [sales] = await db.sql<{ orders: number; units: number; revenue: number }[]>`
      select count(distinct o.id)::int8 as orders, sum(i.quantity)::int8 as units,
             sum(i.quantity * i.unit_price_minor)::int8 as revenue
      from orders o join order_items i on i.order_id = o.id where o.status <> 'CANCELLED'`;
    const app = await startTestApp({ database: db });
    try {
      const admin = await signInAdmin(app);
      const report = await clientFor("grpc", AnalyticsService, app).getSalesReport(
        {
          startTime: timestampFromMs(Date.parse("2025-06-01T00:00:00Z")),
          endTime: timestampFromMs(Date.parse("2026-06-01T00:00:00Z")),
          bucket: Bucket.MONTH,
          timeZone: "Europe/Berlin",
        },
        admin.call,
      );
      // June 2025 begins at 2025-05-31T22:00Z in Berlin, so the first bucket is the clipped 1 June 00:00-02:00.
      expect(report.buckets).toHaveLength(13);
      expect(report.totalOrderCount).toBe(BigInt(sales?.orders ?? -1));
      expect(report.totalUnits).toBe(BigInt(sales?.units ?? -1));
      expect(report.totalRevenue?.amountMinor).toBe(BigInt(sales?.revenue ?? -1));
      // The weekly and seasonal rhythm: December sells more than August.
      const month = (iso: string) =>
        report.buckets.find((b) =>
          new Date(Number(b.startTime?.seconds) * 1000).toISOString().startsWith(iso),
        );
      expect(month("2025-11-30")?.orderCount ?? 0n).toBeGreaterThan(month("2025-07-31")?.orderCount ?? 0n);
    } finally {
      await app.stop();
    }

    const again = await seed(db, ...ARGS).catch((error: { code: number; stderr: string }) => error);
    expect(again).toMatchObject({ code: 1, stderr: expect.stringContaining("seed 11 was already written") });
  }, 180_000);

  it("writes the same rows for the same seed", async () => {
    const fingerprint = async () => {
      const db = await createTestDatabase("postgres");
      databases.push(db);
      await seed(db, "--orders", "500", "--seed", "3", "--until", "2026-01-01");
      const [row] = await db.sql<{ digest: string }[]>`
        select md5(string_agg(concat_ws('|', o.id, o.customer_id, o.status, o.create_time, i.product_id,
                                        i.quantity, i.unit_price_minor), ',' order by o.id, i.line_no)) as digest
        from orders o join order_items i on i.order_id = o.id`;
      return row?.digest;
    };
    expect(await fingerprint()).toBe(await fingerprint());
  }, 120_000);
});
