import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SharedAccessToken, TokenStillLive } from "../../src/adapters/offers/shared-access-token.js";
import { connectDatabase, type Sql } from "../../src/adapters/postgres/database.js";
import { PostgresOffersAccessTokenStore } from "../../src/adapters/postgres/postgres-offers-access-token-store.js";
import { createTestDatabase, type TestDatabase } from "../support/databases.js";

// The shared access token over the PostgreSQL store, with two "instances" (each its own pool and its own
// SharedAccessToken) racing. Runs on PostgreSQL only: two sessions at once, which PGlite does not serve.

let database: TestDatabase;
let pools: Sql[];

beforeAll(async () => {
  database = await createTestDatabase("postgres");
  pools = [connectDatabase(database.url, { max: 4 }), connectDatabase(database.url, { max: 4 })];
});

afterAll(async () => {
  for (const pool of pools ?? []) await pool.end({ timeout: 5 });
  await database?.drop();
});

/** Both sides read this clock, so a test moves time on instead of sleeping. */
const clock = { skewMs: 0, now: () => Date.now() + clock.skewMs };

/** A service issuing numbered tokens: counts /auth calls and refuses one while a token lives, as the real one. */
function service(ttlMs: number) {
  let issued = 0;
  let liveUntil = 0;
  let refusedLive = 0;
  return {
    get issued() {
      return issued;
    },
    get refusedLive() {
      return refusedLive;
    },
    expireNow: () => {
      liveUntil = 0;
    },
    async authenticate() {
      await new Promise((r) => setTimeout(r, 30));
      if (clock.now() < liveUntil) {
        refusedLive++;
        throw new TokenStillLive("auth: HTTP 400");
      }
      issued++;
      liveUntil = clock.now() + ttlMs;
      return { token: `token-${issued}`, expiresAt: new Date(liveUntil) };
    },
  };
}

const instance = (sql: Sql, svc: ReturnType<typeof service>, aheadMs = 0) =>
  new SharedAccessToken(new PostgresOffersAccessTokenStore(sql), {
    authenticate: () => svc.authenticate(),
    leaseMs: 2000,
    waitMs: 4000,
    now: () => clock.now() + aheadMs,
    sleep: (ms) => new Promise((r) => setTimeout(r, ms)),
  });

describe("SharedAccessToken on PostgreSQL", () => {
  it("asks /auth once for many concurrent callers on two instances, and once more after a 401", async () => {
    await (pools[0] as Sql)`update offers_access_token set access_token = null, expires_at = null, renewing_until = null`;
    const svc = service(60_000);
    const [a, b] = [instance(pools[0] as Sql, svc), instance(pools[1] as Sql, svc)];
    const tokens = await Promise.all(Array.from({ length: 40 }, (_, i) => (i % 2 ? a : b).current()));
    expect(new Set(tokens)).toEqual(new Set(["token-1"]));
    expect(svc.issued).toBe(1);

    // The service ends the token early; every caller on both instances meets 401 with it at once.
    svc.expireNow();
    const renewed = await Promise.all(
      Array.from({ length: 40 }, (_, i) => (i % 2 ? a : b).refused("token-1")),
    );
    expect(new Set(renewed)).toEqual(new Set(["token-2"]));
    expect(svc.issued).toBe(2);
    // An instance that was refused an older token takes the newer one from the database, asking nothing.
    expect(await a.refused("token-1")).toBe("token-2");
    expect(svc.issued).toBe(2);
    expect(svc.refusedLive).toBe(0);
  });

  it("renews a token that expired by its time, without waiting for a 401", async () => {
    await (pools[0] as Sql)`update offers_access_token set access_token = null, expires_at = null, renewing_until = null`;
    const svc = service(200);
    const a = instance(pools[0] as Sql, svc);
    const first = await a.current();
    // The token lives 200 ms and counts as expired 1 s after that: move past both.
    clock.skewMs += 1300;
    const second = await instance(pools[1] as Sql, svc).current();
    expect(second).not.toBe(first);
    expect(await a.current()).toBe(second);
    expect(svc.issued).toBe(2);
    expect(svc.refusedLive).toBe(0);
  });

  it("keeps its token when its clock runs ahead of the service's and /auth says it still lives", async () => {
    await (pools[0] as Sql)`update offers_access_token set access_token = null, expires_at = null, renewing_until = null`;
    const svc = service(200);
    // 1.5 s ahead: the token the service issued for 200 ms looks expired here at once.
    const a = instance(pools[0] as Sql, svc, 1500);
    const first = await a.current();
    expect(await a.current()).toBe(first);
    expect(svc.issued).toBe(1);
    // The one 400 a skewed clock costs; the token is kept and used until the service really ends it.
    expect(svc.refusedLive).toBe(1);
    const [row] = await (pools[0] as Sql)<{ renewals: number }[]>`select renewals from offers_access_token`;
    expect(row?.renewals).toBeGreaterThan(0);
  });
});
