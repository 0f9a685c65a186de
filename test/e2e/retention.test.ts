import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { IdentityService } from "../../gen/shopfloor/identity/v1/identity_pb.js";
import { pruneExpiredRecords } from "../../src/adapters/postgres/postgres-record-retention.js";
import { clientFor, closeGrpcClients } from "../support/clients.js";
import { eventually } from "../support/eventually.js";
import { startTestApp, type TestApp, uniqueName } from "../support/test-app.js";

// Tables that stop growing: what the retention job prunes, on the app's own database (in-process bus).

const DAY = 86_400_000;
let app: TestApp;

beforeAll(async () => {
  app = await startTestApp();
});

afterAll(async () => {
  closeGrpcClients();
  await app?.stop();
  await app?.database.drop();
});

const retention = { retentionMs: 7 * DAY, longestWindowMs: 3_600_000 };

async function signUp(): Promise<string> {
  const username = uniqueName("keep_");
  const password = "correct horse battery";
  const identity = clientFor("connect", IdentityService, app);
  await identity.register({ email: `${username}@example.com`, username, password });
  const session = await identity.login({ login: username, password });
  return session.user?.id ?? "";
}

describe("retention", () => {
  it("prunes expired and long-revoked refresh tokens, keeping live and rotated ones", async () => {
    const userId = await signUp();
    const sql = app.database.sql;
    const insert = (id: string, expiresAt: Date, revokedAt: Date | null, rotatedAt: Date | null = null) =>
      sql`insert into refresh_tokens (id, family_id, user_id, token_hash, issued_at, expires_at, rotated_at, revoked_at)
          values (${id}, ${id}, ${userId}, ${uniqueName("h")}, now() - interval '40 days', ${expiresAt},
                  ${rotatedAt}, ${revokedAt})`;
    const ids = {
      expired: "0190a0b0-0000-7000-8000-000000000001",
      revokedLongAgo: "0190a0b0-0000-7000-8000-000000000002",
      revokedToday: "0190a0b0-0000-7000-8000-000000000003",
      rotatedLive: "0190a0b0-0000-7000-8000-000000000004",
    };
    const now = Date.now();
    await insert(ids.expired, new Date(now - DAY), null);
    await insert(ids.revokedLongAgo, new Date(now + 10 * DAY), new Date(now - 8 * DAY));
    await insert(ids.revokedToday, new Date(now + 10 * DAY), new Date(now - 1000));
    await insert(ids.rotatedLive, new Date(now + 10 * DAY), null, new Date(now - DAY));

    const pruned = await pruneExpiredRecords(sql, retention);
    expect(pruned.refreshTokens).toBeGreaterThanOrEqual(2);
    const left = await sql<
      { id: string }[]
    >`select id from refresh_tokens where id in ${sql(Object.values(ids))}`;
    expect(left.map((r) => r.id).sort()).toEqual([ids.revokedToday, ids.rotatedLive]);
    // The session of the sign-up above is live and stays.
    const [live] = await sql<
      { n: string }[]
    >`select count(*) as n from refresh_tokens where user_id = ${userId}`;
    expect(Number(live?.n)).toBe(3);
  });

  it("prunes login and request counters of windows that have ended", async () => {
    const sql = app.database.sql;
    const key = uniqueName("account:");
    await sql`insert into login_failures (key, window_start, failures) values
      (${key}, now() - interval '2 hours', 3), (${key}, now(), 1)`;
    await sql`insert into request_counts (key, window_start, count) values
      (${key}, now() - interval '2 hours', 30), (${key}, now(), 1)`;
    await pruneExpiredRecords(sql, retention);
    const logins = await sql`select 1 from login_failures where key = ${key}`;
    const requests = await sql`select 1 from request_counts where key = ${key}`;
    expect(logins).toHaveLength(1);
    expect(requests).toHaveLength(1);
  });

  it("stops queueing events for a consumer removed from the code", async () => {
    const sql = app.database.sql;
    const name = uniqueName("removed-");
    const consumer = await app.events.consume({
      name,
      eventTypes: ["identity.user_registered"],
      handle: async () => {},
    });
    await consumer.stop();
    // Then no instance runs it for longer than the retention (the deploy that removed it went out).
    await sql`update event_consumers set seen_time = now() - interval '8 days' where name = ${name}`;
    await signUp();
    await eventually(async () => {
      const queued = await sql`select 1 from scheduled_jobs where name = ${`event-delivery:${name}`}`;
      expect(queued.length).toBeGreaterThan(0);
    });

    const pruned = await pruneExpiredRecords(sql, retention);
    expect(pruned.consumers).toBe(1);
    expect(pruned.queuedDeliveries).toBeGreaterThan(0);
    const userId = await signUp();
    await eventually(async () => {
      const [row] = await sql<{ published: boolean }[]>`
        select published_at is not null as published from outbox where aggregate_id = ${userId}`;
      expect(row?.published).toBe(true);
    });
    const queued = await sql`select 1 from scheduled_jobs where name = ${`event-delivery:${name}`}`;
    expect(queued).toHaveLength(0);
  });

  it("keeps a consumer that is still running", async () => {
    const name = uniqueName("running-");
    const consumer = await app.events.consume({
      name,
      eventTypes: ["identity.user_registered"],
      handle: async () => {},
    });
    const pruned = await pruneExpiredRecords(app.database.sql, retention);
    expect(pruned.consumers).toBe(0);
    await consumer.stop();
  });
});
