import type { DescService } from "@bufbuild/protobuf";
import { type CallOptions, Code, ConnectError } from "@connectrpc/connect";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AnalyticsService } from "../../gen/shopfloor/analytics/v1/analytics_pb.js";
import { IdentityService, Role } from "../../gen/shopfloor/identity/v1/identity_pb.js";
import { ManufacturingService } from "../../gen/shopfloor/manufacturing/v1/manufacturing_pb.js";
import { OffersService } from "../../gen/shopfloor/offers/v1/offers_pb.js";
import { OrderService } from "../../gen/shopfloor/ordering/v1/ordering_pb.js";
import { clientFor, closeGrpcClients, SURFACES, type Surface } from "../support/clients.js";
import { registerCustomer, signInAdmin, signInNewUser } from "../support/shop.js";
import { startTestApp, type TestApp } from "../support/test-app.js";

// Every RPC of IdentityService, OrderService, ManufacturingService, AnalyticsService and OffersService called by every role on both surfaces (CatalogService has the
// same matrix in catalog.test.ts). The expected access is written here independently of ACCESS_POLICY, so a
// wrong entry there fails. Requests are empty: an allowed caller gets past authorization and is then refused
// as invalid or answered with nothing, so the matrix writes nothing.

type Caller = "anonymous" | "customer" | "admin" | "office" | "manufacturer";
const CALLERS: readonly Caller[] = ["anonymous", "customer", "admin", "office", "manufacturer"];
type Access = "public" | "signed-in" | readonly Caller[];

const EXPECTED: ReadonlyArray<[DescService, Record<string, Access>]> = [
  [
    IdentityService,
    {
      register: "public",
      login: "public",
      refresh: "public",
      logout: "public",
      getMe: "signed-in",
      createUser: ["admin"],
      rotateSigningKeys: ["admin"],
      retireSigningKey: ["admin"],
      createPartnerClient: ["admin"],
      rotatePartnerClientSecret: ["admin"],
      disablePartnerClient: ["admin"],
      listPartnerClients: ["admin"],
      issueClientToken: "public",
    },
  ],
  [
    ManufacturingService,
    {
      listBrands: "signed-in",
      createBrand: ["admin"],
      updateBrand: ["admin"],
      submitSale: ["office"],
      listVehiclesForManufacturing: ["manufacturer"],
      updatePurchaseState: ["manufacturer", "admin"],
      getPurchase: ["office", "manufacturer", "admin"],
      listPurchases: ["office", "manufacturer", "admin"],
      registerWebhook: ["office"],
      listWebhooks: ["office", "admin"],
      deleteWebhook: ["office", "admin"],
      rotateWebhookSecret: ["office", "admin"],
      listWebhookDeliveries: ["office", "admin"],
      redeliverWebhook: ["office", "admin"],
    },
  ],
  [
    OrderService,
    {
      placeOrder: ["customer"],
      getOrder: ["customer", "admin"],
      listOrders: ["customer", "admin"],
      cancelOrder: ["customer", "admin"],
      watchOrder: ["customer", "admin"],
      updateOrderStatus: ["admin"],
    },
  ],
  [AnalyticsService, { getSalesReport: ["admin"], getTopProducts: ["admin"] }],
  [
    OffersService,
    {
      listProductOffers: "public",
      getOfferPriceHistory: "public",
      refreshOffers: ["admin"],
      getOfferRegistration: ["admin"],
      listOfferRegistrations: ["admin"],
    },
  ],
];

let app: TestApp;
const as: Record<Caller, CallOptions> = {
  anonymous: {},
  customer: {},
  admin: {},
  office: {},
  manufacturer: {},
};

beforeAll(async () => {
  app = await startTestApp();
  const admin = await signInAdmin(app);
  as.admin = admin.call;
  as.customer = (await registerCustomer(app)).call;
  as.office = (await signInNewUser(app, admin, Role.REGIONAL_OFFICE)).call;
  as.manufacturer = (await signInNewUser(app, admin, Role.MANUFACTURER)).call;
});

afterAll(async () => {
  closeGrpcClients();
  await app?.stop();
  await app?.database.drop();
});

async function outcome(
  surface: Surface,
  service: DescService,
  method: string,
  caller: Caller,
): Promise<Code | "ok"> {
  const client = clientFor(surface, service, app) as unknown as Record<
    string,
    (req: object, options: CallOptions) => Promise<unknown> | AsyncIterable<unknown>
  >;
  const kind = service.methods.find((m) => m.localName === method)?.methodKind;
  try {
    const call = client[method]?.({}, { ...as[caller], timeoutMs: 5000 });
    if (kind === "server_streaming") for await (const _ of call as AsyncIterable<unknown>) break;
    else await call;
    return "ok";
  } catch (error) {
    return ConnectError.from(error).code;
  }
}

describe.each(EXPECTED)("%s", (service, expected) => {
  it("lists every RPC of the service", () => {
    expect(service.methods.map((m) => m.localName).sort()).toEqual(Object.keys(expected).sort());
  });

  const cases = SURFACES.flatMap((surface) =>
    Object.keys(expected).flatMap((method) => CALLERS.map((caller) => [surface, method, caller] as const)),
  );
  it.each(cases)("over %s: %s as %s", async (surface, method, caller) => {
    const access = expected[method];
    const allowed =
      access === "public" ||
      (access === "signed-in" ? caller !== "anonymous" : access?.includes(caller) === true);
    const result = await outcome(surface, service, method, caller);
    if (allowed) expect([Code.PermissionDenied, Code.Unauthenticated]).not.toContain(result);
    else expect(result).toBe(caller === "anonymous" ? Code.Unauthenticated : Code.PermissionDenied);
  });
});
