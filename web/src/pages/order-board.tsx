import { useQuery } from "@connectrpc/connect-query";
import { Link } from "wouter";
import { type Order, OrderService, OrderStatus } from "../../../gen/shopfloor/ordering/v1/ordering_pb.js";
import { readable } from "../errors.js";
import { enumWord, formatMoney, formatTime } from "../format.js";
import { FormError } from "../ui.js";
import { newer, useWatchedOrders } from "../watch-order.js";

const COLUMNS = [
  OrderStatus.PENDING,
  OrderStatus.PAID,
  OrderStatus.SHIPPED,
  OrderStatus.DELIVERED,
  OrderStatus.CANCELLED,
];
/** Live streams the board opens at most (the server caps streams per user); the rest move with the re-list. */
const WATCHED = 10;

/**
 * Recent orders by status. The newest open orders each hold a WatchOrder stream, so a change made on any
 * instance moves their card at once; the list itself is re-read every few seconds to pick up new orders.
 */
export function OrderBoardPage() {
  const list = useQuery(OrderService.method.listOrders, { pageSize: 50 }, { refetchInterval: 3_000 });
  const listed = list.data?.orders ?? [];
  const open = listed.filter((o) => o.status !== OrderStatus.DELIVERED && o.status !== OrderStatus.CANCELLED);
  const live = useWatchedOrders(open.slice(0, WATCHED).map((o) => o.id));
  const orders = listed.map((o) => newer(o, live.get(o.id)) ?? o);
  return (
    <section>
      <h1>Live board</h1>
      {list.error ? <FormError error={readable(list.error)} /> : null}
      <p className="hint">
        The {WATCHED} newest open orders update live; the board re-reads the 50 newest orders every 3 s.
      </p>
      <div className="board">
        {COLUMNS.map((status) => (
          <section key={status} className="board-column" aria-label={enumWord(OrderStatus[status])}>
            <h2>{enumWord(OrderStatus[status])}</h2>
            {orders
              .filter((o) => o.status === status)
              .map((o) => (
                <BoardCard key={o.id} order={o} />
              ))}
          </section>
        ))}
      </div>
    </section>
  );
}

function BoardCard({ order }: { order: Order }) {
  return (
    <article className="board-card" data-order-id={order.id}>
      <Link href={`/orders/${order.id}`}>…{order.id.slice(-8)}</Link>
      <div>{formatMoney(order.total)}</div>
      <small>{formatTime(order.updateTime)}</small>
    </article>
  );
}
