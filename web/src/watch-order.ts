import { Code, ConnectError, createClient } from "@connectrpc/connect";
import { useTransport } from "@connectrpc/connect-query";
import { useEffect, useState } from "react";
import { type Order, OrderService, OrderStatus } from "../../gen/shopfloor/ordering/v1/ordering_pb.js";

const FINAL = new Set([OrderStatus.DELIVERED, OrderStatus.CANCELLED]);
type OrderClient = ReturnType<typeof createClient<typeof OrderService>>;

/**
 * Follows one order through WatchOrder until it is final: every change made on any instance arrives as it
 * happens. A dropped stream (a restart, a network blip, the server ending streams when it stops or when the
 * access token expires) is reopened with a growing delay.
 */
async function follow(
  client: OrderClient,
  orderId: string,
  signal: AbortSignal,
  onOrder: (o: Order) => void,
) {
  let delay = 500;
  while (!signal.aborted) {
    try {
      for await (const m of client.watchOrder({ orderId }, { signal })) {
        delay = 500;
        if (m.order) onOrder(m.order);
        if (m.order && FINAL.has(m.order.status)) return;
      }
      return;
    } catch (error) {
      const code = ConnectError.from(error).code;
      if (signal.aborted || code === Code.NotFound || code === Code.PermissionDenied) return;
      await new Promise((r) => setTimeout(r, delay));
      delay = Math.min(delay * 2, 15_000);
    }
  }
}

/** Newer of two snapshots of one order: the one with more status changes. */
export function newer(a: Order | undefined, b: Order | undefined): Order | undefined {
  if (!a) return b;
  if (!b) return a;
  return b.statusHistory.length > a.statusHistory.length ? b : a;
}

/** One order, live. */
export function useWatchedOrder(orderId: string | undefined, initial?: Order): Order | undefined {
  const transport = useTransport();
  const [streamed, setStreamed] = useState<Order>();
  useEffect(() => {
    if (!orderId) return;
    const abort = new AbortController();
    void follow(createClient(OrderService, transport), orderId, abort.signal, setStreamed);
    return () => abort.abort();
  }, [orderId, transport]);
  return newer(initial, streamed?.id === orderId ? streamed : undefined);
}

/** Several orders, live: one stream each, opened and closed as the set of ids changes. */
export function useWatchedOrders(orderIds: readonly string[]): ReadonlyMap<string, Order> {
  const transport = useTransport();
  const [streamed, setStreamed] = useState<ReadonlyMap<string, Order>>(new Map());
  const key = orderIds.join(",");
  useEffect(() => {
    const abort = new AbortController();
    const client = createClient(OrderService, transport);
    for (const id of key ? key.split(",") : []) {
      void follow(client, id, abort.signal, (order) => setStreamed((m) => new Map(m).set(order.id, order)));
    }
    return () => abort.abort();
  }, [key, transport]);
  return streamed;
}
