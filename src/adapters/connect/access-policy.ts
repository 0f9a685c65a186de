import type { Role } from "../../domain/identity/role.js";

/** Who may call an RPC: anyone, any signed-in user, or signed-in users of the listed roles. */
export type Access = "public" | "authenticated" | readonly Role[];

const ADMIN: readonly Role[] = ["ADMIN"];
/** Partners reach only their own office's or brands' purchases; the scoping is the domain's (NOT_FOUND). */
const PURCHASE_READERS: readonly Role[] = ["REGIONAL_OFFICE", "MANUFACTURER", "ADMIN"];
const OFFICES: readonly Role[] = ["REGIONAL_OFFICE", "ADMIN"];
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
  "shopfloor.identity.v1.IdentityService/CreatePartnerClient": ADMIN,
  "shopfloor.identity.v1.IdentityService/RotatePartnerClientSecret": ADMIN,
  "shopfloor.identity.v1.IdentityService/DisablePartnerClient": ADMIN,
  "shopfloor.identity.v1.IdentityService/ListPartnerClients": ADMIN,
  "shopfloor.identity.v1.IdentityService/IssueClientToken": "public",
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
  "shopfloor.manufacturing.v1.ManufacturingService/ListBrands": "authenticated",
  "shopfloor.manufacturing.v1.ManufacturingService/CreateBrand": ADMIN,
  "shopfloor.manufacturing.v1.ManufacturingService/UpdateBrand": ADMIN,
  "shopfloor.manufacturing.v1.ManufacturingService/SubmitSale": ["REGIONAL_OFFICE"],
  "shopfloor.manufacturing.v1.ManufacturingService/ListVehiclesForManufacturing": ["MANUFACTURER"],
  "shopfloor.manufacturing.v1.ManufacturingService/UpdatePurchaseState": ["MANUFACTURER", "ADMIN"],
  "shopfloor.manufacturing.v1.ManufacturingService/GetPurchase": PURCHASE_READERS,
  "shopfloor.manufacturing.v1.ManufacturingService/ListPurchases": PURCHASE_READERS,
  // Webhooks: an office manages its own endpoints, an admin any (ownership is checked where they are read).
  "shopfloor.manufacturing.v1.ManufacturingService/RegisterWebhook": ["REGIONAL_OFFICE"],
  "shopfloor.manufacturing.v1.ManufacturingService/ListWebhooks": OFFICES,
  "shopfloor.manufacturing.v1.ManufacturingService/DeleteWebhook": OFFICES,
  "shopfloor.manufacturing.v1.ManufacturingService/RotateWebhookSecret": OFFICES,
  "shopfloor.manufacturing.v1.ManufacturingService/ListWebhookDeliveries": OFFICES,
  "shopfloor.manufacturing.v1.ManufacturingService/RedeliverWebhook": OFFICES,
  "shopfloor.analytics.v1.AnalyticsService/GetSalesReport": ADMIN,
  "shopfloor.analytics.v1.AnalyticsService/GetTopProducts": ADMIN,
  "shopfloor.offers.v1.OffersService/ListProductOffers": "public",
  "shopfloor.offers.v1.OffersService/GetOfferPriceHistory": "public",
  "shopfloor.offers.v1.OffersService/RefreshOffers": ADMIN,
  "shopfloor.offers.v1.OffersService/GetOfferRegistration": ADMIN,
  "shopfloor.offers.v1.OffersService/ListOfferRegistrations": ADMIN,
};
