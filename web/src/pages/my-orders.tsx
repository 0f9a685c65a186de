import { useMutation, useQuery } from "@connectrpc/connect-query";
import { useQueryClient } from "@tanstack/react-query";
import { Link, useParams } from "wouter";
import { OrderService, OrderStatus } from "../../../gen/shopfloor/ordering/v1/ordering_pb.js";
import { readable } from "../errors.js";
import { formatMoney, formatTime } from "../format.js";
import { FormError, Loading, Pager, useAction, usePager } from "../ui.js";
import { useWatchedOrder } from "../watch-order.js";
import { OrderView, StatusBadge } from "./order-view.js";

export function MyOrdersPage() {
  const pager = usePager();
  const list = useQuery(OrderService.method.listOrders, { pageSize: 20, pageToken: pager.token });
  return (
    <section>
      <h1>My orders</h1>
      {list.isPending ? <Loading what="your orders" /> : null}
      {list.error ? <FormError error={readable(list.error)} /> : null}
      {list.data && list.data.orders.length === 0 ? (
        <p>
          No orders yet. <Link href="/shop">Go shopping</Link>
        </p>
      ) : null}
      <div className="table-wrap">
        <table>
          <thead>
            <tr>
              <th>Placed</th>
              <th>Status</th>
              <th className="num">Total</th>
            </tr>
          </thead>
          <tbody>
            {list.data?.orders.map((o) => (
              <tr key={o.id}>
                <td>
                  <Link href={`/my-orders/${o.id}`}>{formatTime(o.createTime)}</Link>
                </td>
                <td>
                  <StatusBadge status={o.status} />
                </td>
                <td className="num">{formatMoney(o.total)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <Pager pager={pager} nextToken={list.data?.nextPageToken} />
    </section>
  );
}

export function MyOrderPage() {
  const { id = "" } = useParams<{ id: string }>();
  const client = useQueryClient();
  const fetched = useQuery(OrderService.method.getOrder, { orderId: id });
  const order = useWatchedOrder(id, fetched.data?.order);
  const cancel = useMutation(OrderService.method.cancelOrder);
  const { error, run } = useAction();
  if (fetched.isPending) return <Loading what="your order" />;
  if (fetched.error || !order) return <FormError error={readable(fetched.error)} />;
  const cancellable = order.status === OrderStatus.PENDING || order.status === OrderStatus.PAID;
  return (
    <section>
      <p>
        <Link href="/my-orders">← My orders</Link>
      </p>
      <h1>Your order</h1>
      <OrderView order={order} />
      {cancellable ? (
        <button
          type="button"
          className="danger"
          disabled={cancel.isPending}
          onClick={async () => {
            await run(async () => {
              await cancel.mutateAsync({ orderId: order.id });
              await client.invalidateQueries();
            });
          }}
        >
          Cancel order
        </button>
      ) : null}
      <FormError error={error} />
    </section>
  );
}
