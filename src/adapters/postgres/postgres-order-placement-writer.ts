import type { OrderPlacementRows, OrderPlacementWriter } from "../../domain/ordering/ports.js";
import { encodeEvent, type ShopfloorEvent } from "../events/event-encoding.js";
import type { SqlExecutor } from "./database.js";
import { OUTBOX_CHANNEL } from "./postgres-event-outbox.js";
import { toStoredResult } from "./postgres-idempotency-store.js";

/**
 * Writes orders placed together in ONE statement, so the products' row locks (taken just before) are held
 * for one round trip and the commit. Every column travels as an array unnested by the statement, so its text
 * is the same for any batch (one prepared statement, not one per batch shape). The stock update is guarded:
 * a product whose stock is not what the plan expected is not updated, and the statement's own assertion
 * (migration 011) fails the transaction on the missing row instead of selling what is not there.
 */
export class PostgresOrderPlacementWriter implements OrderPlacementWriter {
  /**
   * With `defer` (a PostgresPipelinedUnitOfWork) the statement is sent and handed over, so COMMIT follows
   * it without a round trip in between; its checks are made in SQL, so they stop the commit either way.
   */
  constructor(
    private readonly sql: SqlExecutor,
    private readonly hooks: { appended(): void; defer?(statement: Promise<unknown>): void } = {
      appended: () => {},
    },
  ) {}

  async write(placements: readonly OrderPlacementRows[]): Promise<void> {
    const { sql } = this;
    const movements = placements.flatMap((p) => p.movements);
    // Per product: the sum of its deltas, and the stock the last movement leaves.
    const stock = new Map<string, { delta: number; final: number }>();
    for (const m of movements) {
      const s = stock.get(m.productId) ?? { delta: 0, final: 0 };
      stock.set(m.productId, { delta: s.delta + m.delta, final: m.resultingQuantity });
    }
    const items = placements.flatMap(({ order }) =>
      order.items.map((item, lineNo) => ({ orderId: order.id, lineNo, item })),
    );
    const history = placements.flatMap(({ order }) =>
      order.history.map((change, seq) => ({ orderId: order.id, seq, change })),
    );
    const events = placements.flatMap((p) =>
      p.events.map((event) => ({ event, ...encodeEvent(event as ShopfloorEvent) })),
    );
    const keys = placements.flatMap((p) => (p.idempotencyKey ? [p.idempotencyKey] : []));
    const orders = placements.map((p) => p.order);

    const statement = sql`
      with stock as (
        update products p set stock_quantity = p.stock_quantity + s.delta
        from unnest(${[...stock.keys()]}::uuid[], ${[...stock.values()].map((s) => s.delta)}::int[],
                    ${[...stock.values()].map((s) => s.final)}::int[]) as s(id, delta, final)
        where p.id = s.id and p.stock_quantity + s.delta = s.final
        returning p.id
      ), ledger as (
        insert into stock_movements (id, product_id, delta, resulting_quantity, reason, actor_id, reference_id,
                                     create_time)
        select * from unnest(${movements.map((m) => m.id)}::uuid[], ${movements.map((m) => m.productId)}::uuid[],
                             ${movements.map((m) => m.delta)}::int[],
                             ${movements.map((m) => m.resultingQuantity)}::int[],
                             ${movements.map((m) => m.reason)}::text[],
                             ${movements.map((m) => m.actorId ?? null)}::uuid[],
                             ${movements.map((m) => m.referenceId ?? null)}::text[],
                             ${movements.map((m) => m.createTime.toISOString())}::timestamptz[])
      ), placed as (
        insert into orders (id, customer_id, status, total_minor, currency_code, create_time, update_time)
        select * from unnest(${orders.map((o) => o.id)}::uuid[], ${orders.map((o) => o.customerId)}::uuid[],
                             ${orders.map((o) => o.status)}::text[], ${orders.map((o) => o.total.amountMinor)}::bigint[],
                             ${orders.map((o) => o.total.currencyCode)}::text[],
                             ${orders.map((o) => o.createTime.toISOString())}::timestamptz[],
                             ${orders.map((o) => o.updateTime.toISOString())}::timestamptz[])
      ), lines as (
        insert into order_items (order_id, line_no, product_id, product_name, quantity, unit_price_minor,
                                 currency_code)
        select * from unnest(${items.map((i) => i.orderId)}::uuid[], ${items.map((i) => i.lineNo)}::smallint[],
                             ${items.map((i) => i.item.productId)}::uuid[],
                             ${items.map((i) => i.item.productName)}::text[],
                             ${items.map((i) => i.item.quantity)}::int[],
                             ${items.map((i) => i.item.unitPrice.amountMinor)}::bigint[],
                             ${items.map((i) => i.item.unitPrice.currencyCode)}::text[])
      ), history as (
        insert into order_status_changes (order_id, seq, status, actor_type, actor_id, change_time)
        select * from unnest(${history.map((h) => h.orderId)}::uuid[], ${history.map((h) => h.seq)}::smallint[],
                             ${history.map((h) => h.change.status)}::text[],
                             ${history.map((h) => h.change.actor.type)}::text[],
                             ${history.map((h) => (h.change.actor.type === "system" ? null : h.change.actor.userId))}::uuid[],
                             ${history.map((h) => h.change.changeTime.toISOString())}::timestamptz[])
      ), events as (
        insert into outbox (id, type, aggregate_id, payload_type, payload, occurred_at)
        select e.id, e.type, e.aggregate_id, e.payload_type, decode(e.payload, 'hex'), e.occurred_at
        from unnest(${events.map((e) => e.event.id)}::uuid[], ${events.map((e) => e.event.type)}::text[],
                    ${events.map((e) => e.event.aggregateId)}::text[], ${events.map((e) => e.payloadType)}::text[],
                    ${events.map((e) => Buffer.from(e.payload).toString("hex"))}::text[],
                    ${events.map((e) => e.event.occurredAt.toISOString())}::timestamptz[])
             as e(id, type, aggregate_id, payload_type, payload, occurred_at)
      ), keys as (
        update idempotency_keys k set result = r.result::jsonb
        from unnest(${keys.map((k) => k.customerId)}::uuid[], ${keys.map((k) => k.key)}::text[],
                    ${keys.map((k) => JSON.stringify(toStoredResult(k.result)))}::text[]) as r(customer_id, key, result)
        where k.customer_id = r.customer_id and k.key = r.key
      )
      -- Delivered by Postgres only if and when the transaction commits; wakes relays on other instances.
      select shopfloor_assert((select count(*) from stock) = ${stock.size},
                              'stock changed under a row lock (a broken lock: nothing was sold)'),
             pg_notify(${OUTBOX_CHANNEL}, '')`;
    this.hooks.appended();
    if (this.hooks.defer) this.hooks.defer(statement.execute());
    else await statement;
  }
}
