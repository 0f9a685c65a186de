import type { Principal } from "../identity/principal.js";
import { PermissionDenied } from "../shared/errors.js";
import { checkOptionalId } from "../shared/id-format.js";
import type { Page } from "../shared/page.js";
import { pageSizeOf } from "../shared/page-size.js";
import { openCursor, sealedPage } from "../shared/page-tokens.js";
import { Violations } from "../shared/violations.js";
import type { Order } from "./order.js";
import type { OrderStatus } from "./order-status.js";
import type { OrderingDeps } from "./ports.js";

export interface ListOrdersCommand {
  readonly pageSize: number;
  readonly pageToken: string;
  /** Undefined: any status. */
  readonly status: OrderStatus | undefined;
  /** Empty: every customer (admins) or the caller (customers). */
  readonly customerId: string;
}

/**
 * Orders newest first, keyset-paged on the time-ordered id so pages stay stable while orders are placed.
 * A customer sees only their own; an admin sees everyone's, optionally one customer's. The page token is
 * bound to whose orders and which status it pages.
 */
export async function listOrders(
  deps: Pick<OrderingDeps, "orders" | "pageTokens">,
  principal: Principal,
  command: ListOrdersCommand,
): Promise<Page<Order>> {
  const v = new Violations();
  const size = pageSizeOf(v, "page_size", command.pageSize);
  let customerId = checkOptionalId(v, "customer_id", command.customerId);
  v.throwIfAny();
  if (principal.role !== "ADMIN") {
    if (customerId !== undefined && customerId !== principal.userId)
      throw new PermissionDenied("only admins may list another customer's orders");
    customerId = principal.userId;
  }

  const scope = JSON.stringify(["ordering.orders", customerId ?? "", command.status ?? ""]);
  const cursor = openCursor(deps.pageTokens, "page_token", scope, command.pageToken, ["string"] as const);
  const rows = await deps.orders.list({
    customerId,
    status: command.status,
    beforeId: cursor?.[0],
    limit: size + 1,
  });
  return sealedPage(deps.pageTokens, scope, rows, size, (last) => [last.id]);
}
