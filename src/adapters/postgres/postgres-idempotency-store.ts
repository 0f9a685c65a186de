import { createHash } from "node:crypto";
import type { Order } from "../../domain/ordering/order.js";
import type { PlacedOrder } from "../../domain/ordering/order-placement.js";
import type { IdempotencyClaim, IdempotencyKeyClaim, IdempotencyStore } from "../../domain/ordering/ports.js";
import type { SqlExecutor } from "./database.js";

/** A placed order as stored in idempotency_keys.result: JSON, times as ISO strings. */
interface StoredResult {
  readonly v: 1;
  readonly order: Omit<Order, "createTime" | "updateTime" | "history"> & {
    readonly createTime: string;
    readonly updateTime: string;
    readonly history: ReadonlyArray<Omit<Order["history"][number], "changeTime"> & { changeTime: string }>;
  };
  readonly rejected: PlacedOrder["rejected"];
}

export const toStoredResult = ({ order, rejected }: PlacedOrder): StoredResult => ({
  v: 1,
  order: {
    ...order,
    createTime: order.createTime.toISOString(),
    updateTime: order.updateTime.toISOString(),
    history: order.history.map((c) => ({ ...c, changeTime: c.changeTime.toISOString() })),
  },
  rejected,
});

const fromStored = ({ order, rejected }: StoredResult): PlacedOrder => ({
  order: {
    ...order,
    createTime: new Date(order.createTime),
    updateTime: new Date(order.updateTime),
    history: order.history.map((c) => ({ ...c, changeTime: new Date(c.changeTime) })),
  },
  rejected,
});

const digest = (fingerprint: string): Buffer => createHash("sha256").update(fingerprint).digest();

/**
 * PlaceOrder's idempotency keys in idempotency_keys, bound to the placing transaction. The claim is one
 * INSERT ... ON CONFLICT: it waits on a concurrent uncommitted claim of the same key (the unique index does
 * the waiting, no lock of ours), takes over an expired key, and otherwise leaves the committed row to read.
 */
export class PostgresIdempotencyStore implements IdempotencyStore {
  constructor(private readonly sql: SqlExecutor) {}

  async claim(claim: IdempotencyKeyClaim): Promise<IdempotencyClaim> {
    const { sql } = this;
    const fingerprint = digest(claim.fingerprint);
    // Twice at most: the only way to find neither a claim nor a row is a prune between the two statements.
    for (let attempt = 0; attempt < 2; attempt++) {
      const claimed = await sql`
        insert into idempotency_keys (customer_id, key, fingerprint, result, create_time)
        values (${claim.customerId}, ${claim.key}, ${fingerprint}, null, ${claim.now})
        on conflict (customer_id, key) do update
          set fingerprint = excluded.fingerprint, result = null, create_time = excluded.create_time
          where idempotency_keys.create_time < ${claim.expiredBefore}
        returning 1`;
      if (claimed.length > 0) return { kind: "claimed" };
      const [row] = await sql<{ fingerprint: Uint8Array; result: StoredResult | null }[]>`
        select fingerprint, result from idempotency_keys
        where customer_id = ${claim.customerId} and key = ${claim.key}`;
      if (!row) continue;
      // A committed claim always has its result: both are written in the transaction that placed the order.
      if (!row.result) throw new Error("idempotency key committed without a result");
      return {
        kind: "replay",
        sameRequest: Buffer.from(row.fingerprint).equals(fingerprint),
        result: fromStored(row.result),
      };
    }
    throw new Error("idempotency key neither claimable nor readable");
  }

  async complete(customerId: string, key: string, result: PlacedOrder): Promise<void> {
    await this.sql`
      update idempotency_keys set result = ${this.sql.json(toStoredResult(result) as never)}
      where customer_id = ${customerId} and key = ${key}`;
  }

  async release(customerId: string, key: string): Promise<void> {
    // Only a claim of this transaction has no result yet (a committed claim always has one).
    await this
      .sql`delete from idempotency_keys where customer_id = ${customerId} and key = ${key} and result is null`;
  }

  async pruneExpired(before: Date): Promise<number> {
    const deleted = await this.sql`delete from idempotency_keys where create_time < ${before}`;
    return deleted.count;
  }
}
