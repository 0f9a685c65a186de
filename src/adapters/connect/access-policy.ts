import type { Role } from "../../domain/identity/role.js";

/** Who may call an RPC: anyone, any signed-in user, or signed-in users of the listed roles. */
export type Access = "public" | "authenticated" | readonly Role[];

const ADMIN: readonly Role[] = ["ADMIN"];
/** Customers reach their own orders, admins everyone's; the ownership check is the domain's (NOT_FOUND). */
const SHOPPERS: readonly Role[] = ["CUSTOMER", "ADMIN"];

/**
 * Every RPC's access, declared once, keyed by "<service full name>/<method>". The auth interceptor enforces
 * it on every surface; an RPC missing here is refused (fail closed) and a test checks nothing is missing.
 */
export const ACCESS_POLICY: Readonly<Record<string, Access>> = {
  "shopfloor.identity.v1.IdentityService/Register": "public",
  "shopfloor.identity.v1.IdentityService/Login": "public",
  "shopfloor.identity.v1.IdentityService/Refresh": "public",
  "shopfloor.identity.v1.IdentityService/Logout": "public",
  "shopfloor.identity.v1.IdentityService/GetMe": "authenticated",
  "shopfloor.identity.v1.IdentityService/CreateUser": ADMIN,
  "shopfloor.identity.v1.IdentityService/RotateSigningKeys": ADMIN,
  "shopfloor.identity.v1.IdentityService/RetireSigningKey": ADMIN,
  "shopfloor.catalog.v1.CatalogService/CreateCategory": ADMIN,
  "shopfloor.catalog.v1.CatalogService/ListCategories": "authenticated",
  "shopfloor.catalog.v1.CatalogService/CreateProduct": ADMIN,
  "shopfloor.catalog.v1.CatalogService/UpdateProduct": ADMIN,
  "shopfloor.catalog.v1.CatalogService/ArchiveProduct": ADMIN,
  "shopfloor.catalog.v1.CatalogService/GetProduct": "authenticated",
  "shopfloor.catalog.v1.CatalogService/ListProducts": "authenticated",
  "shopfloor.catalog.v1.CatalogService/AdjustStock": ADMIN,
  "shopfloor.catalog.v1.CatalogService/ListStockMovements": ADMIN,
  "shopfloor.catalog.v1.CatalogService/ListLowStock": ADMIN,
  "shopfloor.ordering.v1.OrderService/PlaceOrder": ["CUSTOMER"],
  "shopfloor.ordering.v1.OrderService/GetOrder": SHOPPERS,
  "shopfloor.ordering.v1.OrderService/ListOrders": SHOPPERS,
  "shopfloor.ordering.v1.OrderService/CancelOrder": SHOPPERS,
  "shopfloor.ordering.v1.OrderService/UpdateOrderStatus": ADMIN,
  "shopfloor.ordering.v1.OrderService/WatchOrder": SHOPPERS,
};
