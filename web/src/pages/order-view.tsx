import type { Order } from "../../../gen/shopfloor/ordering/v1/ordering_pb.js";
import { ActorType, OrderStatus } from "../../../gen/shopfloor/ordering/v1/ordering_pb.js";
import { enumWord, formatMoney, formatTime } from "../format.js";

export function StatusBadge({ status }: { status: OrderStatus }) {
  const name = OrderStatus[status] ?? "UNSPECIFIED";
  return (
    <span className={`status status-${name.toLowerCase()}`} data-status={name}>
      {enumWord(name)}
    </span>
  );
}

/** An order's lines, total and status history, as both the admin and the customer see it. */
export function OrderView({ order }: { order: Order }) {
  return (
    <>
      <p>
        <StatusBadge status={order.status} /> · placed {formatTime(order.createTime)} · total{" "}
        <strong>{formatMoney(order.total)}</strong>
      </p>
      <div className="table-wrap">
        <table aria-label="lines">
          <thead>
            <tr>
              <th>Product</th>
              <th className="num">Quantity</th>
              <th className="num">Unit price</th>
              <th className="num">Line total</th>
            </tr>
          </thead>
          <tbody>
            {order.items.map((i) => (
              <tr key={i.productId}>
                <td>{i.productName || i.productId}</td>
                <td className="num">{i.quantity}</td>
                <td className="num">{formatMoney(i.unitPrice)}</td>
                <td className="num">{formatMoney(i.lineTotal)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <h2>History</h2>
      <ol className="history" aria-label="status history">
        {order.statusHistory.map((h) => (
          <li key={`${h.status}-${h.changeTime?.seconds}`}>
            <StatusBadge status={h.status} /> {formatTime(h.changeTime)} · by{" "}
            {enumWord(ActorType[h.actorType])}
            {h.actorId ? ` ${h.actorId.slice(-8)}` : ""}
          </li>
        ))}
      </ol>
    </>
  );
}
