import { useMutation, useQuery } from "@connectrpc/connect-query";
import { useQueryClient } from "@tanstack/react-query";
import { Link, useParams } from "wouter";
import { OrderService, OrderStatus } from "../../../gen/shopfloor/ordering/v1/ordering_pb.js";
import { readable } from "../errors.js";
import { enumWord } from "../format.js";
import { FormError, Loading, useAction } from "../ui.js";
import { useWatchedOrder } from "../watch-order.js";
import { OrderView } from "./order-view.js";

/** The moves an admin may make from each status (the server checks them again). */
const NEXT: Partial<Record<OrderStatus, OrderStatus[]>> = {
  [OrderStatus.PENDING]: [OrderStatus.PAID, OrderStatus.CANCELLED],
  [OrderStatus.PAID]: [OrderStatus.SHIPPED, OrderStatus.CANCELLED],
  [OrderStatus.SHIPPED]: [OrderStatus.DELIVERED],
};

export function OrderDetailPage() {
  const { id = "" } = useParams<{ id: string }>();
  const client = useQueryClient();
  const fetched = useQuery(OrderService.method.getOrder, { orderId: id });
  const order = useWatchedOrder(id, fetched.data?.order);
  const update = useMutation(OrderService.method.updateOrderStatus);
  const { error, run } = useAction();
  if (fetched.isPending) return <Loading what="the order" />;
  if (fetched.error || !order) return <FormError error={readable(fetched.error)} />;
  const move = async (status: OrderStatus) => {
    await run(async () => {
      await update.mutateAsync({ orderId: order.id, status });
      await client.invalidateQueries();
    });
  };
  return (
    <section>
      <p>
        <Link href="/orders">← Orders</Link>
      </p>
      <h1>Order …{order.id.slice(-8)}</h1>
      <p className="hint">
        Customer <code>{order.customerId}</code>
      </p>
      <OrderView order={order} />
      <fieldset className="actions">
        <legend className="hint">Change status</legend>
        {(NEXT[order.status] ?? []).map((s) => (
          <button
            key={s}
            type="button"
            className={s === OrderStatus.CANCELLED ? "danger" : ""}
            disabled={update.isPending}
            onClick={() => void move(s)}
          >
            {s === OrderStatus.CANCELLED ? "Cancel order" : `Mark ${enumWord(OrderStatus[s]).toLowerCase()}`}
          </button>
        ))}
      </fieldset>
      <FormError error={error} />
    </section>
  );
}
