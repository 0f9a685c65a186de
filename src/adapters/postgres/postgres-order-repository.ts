import type { Order, OrderActor, StatusChange } from "../../domain/ordering/order.js";
import type { OrderStatus } from "../../domain/ordering/order-status.js";
import type { OrderListQuery, OrderRepository } from "../../domain/ordering/ports.js";
import { isId } from "../../domain/shared/id-format.js";
import type { SqlExecutor } from "./database.js";

interface OrderRow {
  id: string;
  customer_id: string;
  status: OrderStatus;
  total_minor: number;
  currency_code: string;
  create_time: Date;
  update_time: Date;
  items: Array<{
    product_id: string;
    product_name: string;
    quantity: number;
    unit_price_minor: number;
    currency_code: string;
  }>;
  history: Array<{
    status: OrderStatus;
    actor_type: OrderActor["type"];
    actor_id: string | null;
    change_time: string;
  }>;
}

const actorOf = (type: OrderActor["type"], id: string | null): OrderActor =>
  type === "system" ? { type } : { type, userId: id ?? "" };

const toOrder = (r: OrderRow): Order => ({
  id: r.id,
  customerId: r.customer_id,
  status: r.status,
  items: r.items.map((i) => ({
    productId: i.product_id,
    productName: i.product_name,
    quantity: i.quantity,
    unitPrice: { currencyCode: i.currency_code, amountMinor: i.unit_price_minor },
  })),
  total: { currencyCode: r.currency_code, amountMinor: r.total_minor },
  createTime: r.create_time,
  updateTime: r.update_time,
  history: r.history.map((c) => ({
    status: c.status,
    changeTime: new Date(c.change_time),
    actor: actorOf(c.actor_type, c.actor_id),
  })),
});

/**
 * Orders with their lines and history. An order is read in one statement (lines and history aggregated as
 * JSON beside it) and written in one, so the transaction that places an order, which holds its products'
 * row locks throughout, spends as few round trips as it can.
 */
export class PostgresOrderRepository implements OrderRepository {
  constructor(private readonly sql: SqlExecutor) {}

  /** The select list of an order row `o` with its lines and history. */
  private columns() {
    return this.sql`
      o.id, o.customer_id, o.status, o.total_minor, o.currency_code, o.create_time, o.update_time,
      (select coalesce(json_agg(json_build_object(
                'product_id', i.product_id, 'product_name', i.product_name, 'quantity', i.quantity,
                'unit_price_minor', i.unit_price_minor, 'currency_code', i.currency_code) order by i.line_no),
              '[]')
       from order_items i where i.order_id = o.id) as items,
      (select coalesce(json_agg(json_build_object(
                'status', c.status, 'actor_type', c.actor_type, 'actor_id', c.actor_id,
                'change_time', c.change_time) order by c.seq),
              '[]')
       from order_status_changes c where c.order_id = o.id) as history`;
  }

  async insert(order: Order): Promise<void> {
    const { sql } = this;
    const items = order.items.map((item, lineNo) => ({
      order_id: order.id,
      line_no: lineNo,
      product_id: item.productId,
      product_name: item.productName,
      quantity: item.quantity,
      unit_price_minor: item.unitPrice.amountMinor,
      currency_code: item.unitPrice.currencyCode,
    }));
    const history = order.history.map((change, seq) => ({
      order_id: order.id,
      seq,
      status: change.status,
      actor_type: change.actor.type,
      actor_id: change.actor.type === "system" ? null : change.actor.userId,
      change_time: change.changeTime,
    }));
    // Foreign keys are checked at the end of the statement, when the order row of the first part exists.
    await sql`
      with placed as (
        insert into orders (id, customer_id, status, total_minor, currency_code, create_time, update_time)
        values (${order.id}, ${order.customerId}, ${order.status}, ${order.total.amountMinor},
                ${order.total.currencyCode}, ${order.createTime}, ${order.updateTime})
      ), lines as (
        insert into order_items ${sql(items)}
      )
      insert into order_status_changes ${sql(history)}`;
  }

  async findById(id: string): Promise<Order | undefined> {
    if (!isId(id)) return undefined;
    const [row] = await this.sql<OrderRow[]>`select ${this.columns()} from orders o where o.id = ${id}`;
    return row && toOrder(row);
  }

  async findForUpdate(id: string): Promise<Order | undefined> {
    if (!isId(id)) return undefined;
    // NO KEY UPDATE: enough to serialise status changes, and it lets inserts referencing the order proceed.
    const [row] = await this.sql<OrderRow[]>`
      select ${this.columns()} from orders o where o.id = ${id} for no key update of o`;
    return row && toOrder(row);
  }

  async recordStatusChange(orderId: string, change: StatusChange): Promise<void> {
    const actorId = change.actor.type === "system" ? null : change.actor.userId;
    await this.sql`
      with changed as (
        update orders set status = ${change.status}, update_time = ${change.changeTime}
        where id = ${orderId}
        returning id
      )
      insert into order_status_changes (order_id, seq, status, actor_type, actor_id, change_time)
      select changed.id,
             (select coalesce(max(seq), -1) + 1 from order_status_changes where order_id = changed.id),
             ${change.status}, ${change.actor.type}, ${actorId}, ${change.changeTime}
      from changed`;
  }

  async list(query: OrderListQuery): Promise<Order[]> {
    const { sql } = this;
    if (query.customerId !== undefined && !isId(query.customerId)) return [];
    const rows = await sql<OrderRow[]>`
      select ${this.columns()} from orders o
      where true
        ${query.customerId === undefined ? sql`` : sql`and o.customer_id = ${query.customerId}`}
        ${query.status === undefined ? sql`` : sql`and o.status = ${query.status}`}
        ${query.beforeId === undefined ? sql`` : sql`and o.id < ${query.beforeId}`}
      order by o.id desc
      limit ${query.limit}`;
    return rows.map(toOrder);
  }
}
