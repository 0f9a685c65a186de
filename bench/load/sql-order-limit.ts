// The limit of PlaceOrder, run as its own process by bench/bench.ts: one order written by a single SQL
// statement straight at PostgreSQL with postgres.js (guarded stock update, ledger rows, order, lines, history
// and outbox rows), with the app's pool size and the bench's concurrency. Nothing an RPC does besides
// writing these rows is in it, so it is what PlaceOrder could reach on this database.
import { randomBytes } from "node:crypto";
import { uuidv7 } from "uuidv7";
import { connectDatabase } from "../../src/adapters/postgres/database.js";
import { closedLoop, inputOf, printResult } from "./load-result.js";

interface Input {
  readonly databaseUrl: string;
  readonly poolSize: number;
  readonly connections: number;
  readonly warmupSeconds: number;
  readonly seconds: number;
  readonly productIds: readonly string[];
  readonly linesPerOrder: number;
  readonly customerIds: readonly string[];
}

const input = inputOf<Input>();
const sql = connectDatabase(input.databaseUrl, { max: input.poolSize });
// Payloads of the sizes the app's events encode to (catalog.stock_changed, ordering.order_placed).
const stockPayload = randomBytes(180);
const orderPayload = randomBytes(320);
const pick = <T>(list: readonly T[]): T => list[Math.floor(Math.random() * list.length)] as T;

const result = await closedLoop(input.connections, input.warmupSeconds, input.seconds, async () => {
  const ids = new Set<string>();
  while (ids.size < input.linesPerOrder) ids.add(pick(input.productIds));
  const productIds = [...ids].sort();
  const orderId = uuidv7();
  const customerId = pick(input.customerIds);
  const movementIds = productIds.map(() => uuidv7());
  const eventIds = productIds.map(() => uuidv7());
  const [row] = await sql<{ n: number }[]>`
    with wanted as (
      select * from unnest(${productIds}::uuid[], ${movementIds}::uuid[], ${eventIds}::uuid[])
             with ordinality as w(product_id, movement_id, event_id, line_no)
    ), taken as (
      update products p set stock_quantity = p.stock_quantity - 1
      from wanted w where p.id = w.product_id and p.stock_quantity >= 1 and not p.archived
      returning p.id, p.name, p.price_minor, p.currency_code, p.stock_quantity, w.movement_id, w.event_id,
                w.line_no
    ), ledger as (
      insert into stock_movements (id, product_id, delta, resulting_quantity, reason, actor_id, reference_id,
                                   create_time)
      select movement_id, id, -1, stock_quantity, 'order placed', ${customerId}, ${orderId}, now() from taken
    ), placed as (
      insert into orders (id, customer_id, status, total_minor, currency_code, create_time, update_time)
      select ${orderId}, ${customerId}, 'PENDING', sum(price_minor), 'EUR', now(), now() from taken
    ), lines as (
      insert into order_items (order_id, line_no, product_id, product_name, quantity, unit_price_minor,
                               currency_code)
      select ${orderId}, line_no - 1, id, name, 1, price_minor, currency_code from taken
    ), history as (
      insert into order_status_changes (order_id, seq, status, actor_type, actor_id, change_time)
      values (${orderId}, 0, 'PENDING', 'customer', ${customerId}, now())
    ), events as (
      -- Written as published: the app's relay would otherwise publish the limit's events (and its consumers
      -- handle them) during the scenarios that follow, and bill them to the app.
      insert into outbox (id, type, aggregate_id, payload_type, payload, occurred_at, published_at)
      select event_id, 'catalog.stock_changed', id::text, 'shopfloor.events.v1.StockChanged', ${stockPayload},
             now(), now() from taken
      union all
      select ${uuidv7()}::uuid, 'ordering.order_placed', ${orderId}, 'shopfloor.events.v1.OrderPlaced',
             ${orderPayload}, now(), now()
    )
    select count(*)::int as n from taken`;
  if (row?.n !== productIds.length) throw new Error("stock ran out");
});
await sql.end({ timeout: 5 });
printResult(result);
