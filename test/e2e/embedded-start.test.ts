import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { CatalogService } from "../../gen/shopfloor/catalog/v1/catalog_pb.js";
import { IdentityService, Role } from "../../gen/shopfloor/identity/v1/identity_pb.js";
import { ManufacturingService } from "../../gen/shopfloor/manufacturing/v1/manufacturing_pb.js";
import { DEMO_ADMIN } from "../../src/app/container.js";
import { DEMO_CUSTOMER, DEMO_FACTORY, DEMO_OFFICE } from "../../src/app/demo-data.js";
import { bearer, clientFor, closeGrpcClients, SURFACES } from "../support/clients.js";
import { eventually } from "../support/eventually.js";
import { type SpawnedApp, spawnApp, stopWithSigterm } from "../support/spawned-app.js";

// `npm start` with no configuration: the embedded default (PGlite in SHOPFLOOR_DATA_DIR, in-process bus),
// started as its own process, driven over real sockets, stopped with SIGTERM, then started again on its data.

let dataDir: string;

const startShopfloor = (dir: string): Promise<SpawnedApp> =>
  spawnApp({ HOST: "127.0.0.1", HTTP_PORT: "0", GRPC_PORT: "0", SHOPFLOOR_DATA_DIR: dir, LOG_LEVEL: "info" });

afterAll(async () => {
  closeGrpcClients();
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
});

describe("the embedded default", () => {
  it("boots with no configuration, serves both surfaces, drains on SIGTERM and keeps its data", async () => {
    dataDir = await mkdtemp(join(tmpdir(), "shopfloor-embedded-"));
    const first = await startShopfloor(dataDir);
    let customerName = "";
    try {
      expect((await fetch(`${first.httpUrl}/healthz`)).status).toBe(200);
      for (const surface of SURFACES) {
        const identity = clientFor(surface, IdentityService, first);
        const admin = await identity.login({ login: DEMO_ADMIN.email, password: DEMO_ADMIN.password });
        expect(admin.user?.role).toBe(Role.ADMIN);
        expect((await identity.getMe({}, bearer(admin.accessToken))).user?.email).toBe(DEMO_ADMIN.email);
      }
      // Demo data: a small catalog and a customer to order with.
      const customer = await clientFor("connect", IdentityService, first).login({
        login: DEMO_CUSTOMER.email,
        password: DEMO_CUSTOMER.password,
      });
      const listed = await clientFor("grpc", CatalogService, first).listProducts(
        { pageSize: 100 },
        bearer(customer.accessToken),
      );
      expect(listed.products.length).toBeGreaterThanOrEqual(9);
      // Demo partners: an office sells a Škoda, the demo plant sees it in its queue.
      const office = await clientFor("connect", IdentityService, first).login({
        login: DEMO_OFFICE.email,
        password: DEMO_OFFICE.password,
      });
      const factory = await clientFor("connect", IdentityService, first).login({
        login: DEMO_FACTORY.email,
        password: DEMO_FACTORY.password,
      });
      const manufacturing = clientFor("connect", ManufacturingService, first);
      const { purchaseId } = await manufacturing.submitSale(
        { externalOrderNumber: `demo-${Date.now()}`, brand: "skoda", carModel: "Kodiaq" },
        bearer(office.accessToken),
      );
      await eventually(async () => {
        const queue = await manufacturing.listVehiclesForManufacturing(
          { brand: "skoda" },
          bearer(factory.accessToken),
        );
        expect(queue.purchases.map((p) => p.id)).toContain(purchaseId);
      });
      customerName = `kept_${Date.now()}`;
      await clientFor("connect", IdentityService, first).register({
        email: `${customerName}@example.com`,
        username: customerName,
        password: "persisted-password",
      });
    } finally {
      closeGrpcClients();
      expect(await stopWithSigterm(first.child)).toBe(0);
    }

    const second = await startShopfloor(dataDir);
    try {
      const session = await clientFor("connect", IdentityService, second).login({
        login: customerName,
        password: "persisted-password",
      });
      expect(session.user?.username).toBe(customerName);
    } finally {
      expect(await stopWithSigterm(second.child)).toBe(0);
    }
  }, 120_000);
});
