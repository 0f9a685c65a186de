import { useQuery } from "@connectrpc/connect-query";
import { useState } from "react";
import { Link } from "wouter";
import { OrderService, OrderStatus } from "../../../gen/shopfloor/ordering/v1/ordering_pb.js";
import { readable } from "../errors.js";
import { formatMoney, formatTime } from "../format.js";
import { EnumFilter, FormError, Loading, Pager, usePager } from "../ui.js";
import { StatusBadge } from "./order-view.js";

export const STATUSES = [
  OrderStatus.PENDING,
  OrderStatus.PAID,
  OrderStatus.SHIPPED,
  OrderStatus.DELIVERED,
  OrderStatus.CANCELLED,
];

export function OrdersPage() {
  const [status, setStatus] = useState(OrderStatus.UNSPECIFIED);
  const [customerId, setCustomerId] = useState("");
  const pager = usePager();
  const list = useQuery(OrderService.method.listOrders, {
    status,
    customerId: customerId.trim(),
    pageSize: 20,
    pageToken: pager.token,
  });
  return (
    <section>
      <h1>Orders</h1>
      <div className="toolbar">
        <EnumFilter
          label="Status"
          value={status}
          values={STATUSES}
          names={OrderStatus}
          onChange={(v) => {
            setStatus(v);
            pager.reset();
          }}
        />
        <label>
          Customer id{" "}
          <input
            value={customerId}
            onChange={(e) => {
              setCustomerId(e.target.value);
              pager.reset();
            }}
            placeholder="any customer"
          />
        </label>
      </div>
      {list.isPending ? <Loading what="orders" /> : null}
      {list.error ? <FormError error={readable(list.error)} /> : null}
      <div className="table-wrap">
        <table>
          <thead>
            <tr>
              <th>Order</th>
              <th>Placed</th>
              <th>Customer</th>
              <th>Status</th>
              <th className="num">Total</th>
            </tr>
          </thead>
          <tbody>
            {list.data?.orders.map((o) => (
              <tr key={o.id}>
                <td>
                  <Link href={`/orders/${o.id}`}>…{o.id.slice(-8)}</Link>
                </td>
                <td>{formatTime(o.createTime)}</td>
                <td>
                  <button type="button" className="link" onClick={() => setCustomerId(o.customerId)}>
                    …{o.customerId.slice(-8)}
                  </button>
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
