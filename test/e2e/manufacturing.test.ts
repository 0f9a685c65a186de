import { fromBinary } from "@bufbuild/protobuf";
import { Code } from "@connectrpc/connect";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  PurchaseCreatedSchema,
  PurchaseStateChangedSchema,
} from "../../gen/shopfloor/events/v1/events_pb.js";
import {
  ManufacturingService,
  type Purchase,
  PurchaseState,
} from "../../gen/shopfloor/manufacturing/v1/manufacturing_pb.js";
import { clientFor, closeGrpcClients, expectCode, SURFACES, type Surface } from "../support/clients.js";
import { BUSES } from "../support/event-backbones.js";
import { eventually } from "../support/eventually.js";
import { type PrivateNatsServer, startPrivateNatsServer } from "../support/nats-server.js";
import { type SignedInPartner, signInPartnerClient, uniqueOfficeCode } from "../support/partners.js";
import { type SignedIn, signInAdmin } from "../support/shop.js";
import { startTestApp, type TestApp, uniqueName } from "../support/test-app.js";

// ManufacturingService end to end (issue 16): brands, the asynchronous sales intake and its deduplication, the
// manufacturers' queues, the purchase state machine and who sees what, over Connect and gRPC, on PostgreSQL
// with JetStream and on the embedded default (PGlite with the in-process bus). Partners sign in with client
// credentials. The seed's plain paths and /oauth/token are in manufacturing-seed-paths.test.ts.

let nats: PrivateNatsServer;

beforeAll(async () => {
  nats = await startPrivateNatsServer();
});

afterAll(async () => {
  closeGrpcClients();
  await nats?.dispose();
});

describe.each(BUSES)("ManufacturingService on $database with the $bus bus", ({ bus, database }) => {
  let app: TestApp;
  let admin: SignedIn;
  let officeA: SignedInPartner;
  let officeB: SignedInPartner;
  let skodaFactory: SignedInPartner;
  let vwFactory: SignedInPartner;
  let officeACode: string;

  beforeAll(async () => {
    app = await startTestApp({
      kind: database,
      env: { CONSUMER_RETRY_BASE: "200ms", ...(bus === "jetstream" ? { NATS_URL: nats.url } : {}) },
    });
    admin = await signInAdmin(app);
    officeACode = uniqueOfficeCode();
    officeA = await signInPartnerClient(app, admin, { officeCode: officeACode });
    officeB = await signInPartnerClient(app, admin, { officeCode: uniqueOfficeCode() });
    skodaFactory = await signInPartnerClient(app, admin, { brands: ["skoda"] });
    vwFactory = await signInPartnerClient(app, admin, { brands: ["vw", "audi"] });
  });

  afterAll(async () => {
    await app?.stop();
    await app?.database.drop();
  });

  /** The purchase once the intake has written it, as its office reads it. */
  const purchaseWritten = (surface: Surface, purchaseId: string, as = officeA): Promise<Purchase> =>
    eventually(async () => {
      const { purchase } = await clientFor(surface, ManufacturingService, app).getPurchase(
        { purchaseId },
        as.call,
      );
      if (!purchase) throw new Error("no purchase");
      return purchase;
    });

  describe.each(SURFACES)("over %s", (surface: Surface) => {
    const mf = () => clientFor(surface, ManufacturingService, app);
    const sale = (
      overrides: Partial<{ externalOrderNumber: string; brand: string; carModel: string }> = {},
    ) => ({
      externalOrderNumber: uniqueName("EXT-"),
      brand: "skoda",
      carModel: "Octavia",
      ...overrides,
    });

    it("lists the seeded brands with real model names, and lets only admins add and change brands", async () => {
      const { brands } = await mf().listBrands({}, officeA.call);
      const byCode = new Map(brands.map((b) => [b.code, b]));
      expect(byCode.get("skoda")?.carModels).toEqual(expect.arrayContaining(["Octavia", "Superb", "Kodiaq"]));
      expect(byCode.get("vw")?.carModels).toEqual(expect.arrayContaining(["Golf", "Passat", "ID.4"]));
      expect(byCode.get("audi")?.carModels).toEqual(expect.arrayContaining(["A4", "Q5"]));

      const code = uniqueName("b-");
      const { brand } = await mf().createBrand(
        { code, name: "Cupra", carModels: ["Born", "Formentor"] },
        admin.call,
      );
      expect(brand).toMatchObject({ code, name: "Cupra", carModels: ["Born", "Formentor"] });
      await expectCode(
        mf().createBrand({ code, name: "Again", carModels: [] }, admin.call),
        Code.AlreadyExists,
      );
      await expectCode(
        mf().createBrand({ code: "Not A Code", name: "", carModels: ["A", "a"] }, admin.call),
        Code.InvalidArgument,
      );
      await expectCode(
        mf().createBrand({ code: uniqueName("b-"), name: "X" }, officeA.call),
        Code.PermissionDenied,
      );
      const updated = await mf().updateBrand(
        {
          brand: { code, carModels: ["Born", "Formentor", "Tavascan"] },
          updateMask: { paths: ["car_models"] },
        },
        admin.call,
      );
      expect(updated.brand).toMatchObject({ name: "Cupra", carModels: ["Born", "Formentor", "Tavascan"] });
      await expectCode(
        mf().updateBrand(
          { brand: { code: "no-such-brand", name: "X" }, updateMask: { paths: ["name"] } },
          admin.call,
        ),
        Code.NotFound,
      );
    });

    it("answers a sale at once with its purchase id and writes the purchase asynchronously", async () => {
      const s = sale({ carModel: "octavia" });
      const answer = await mf().submitSale(s, officeA.call);
      expect(answer.purchaseId).toMatch(/^[0-9a-f-]{36}$/);
      expect(answer.duplicate).toBe(false);
      const purchase = await purchaseWritten(surface, answer.purchaseId);
      expect(purchase).toMatchObject({
        id: answer.purchaseId,
        officeCode: officeACode,
        externalOrderNumber: s.externalOrderNumber,
        brand: "skoda",
        // Matched case-insensitively, stored as the brand spells it.
        carModel: "Octavia",
        state: PurchaseState.ORDERED,
      });
      expect(purchase.stateHistory.map((h) => h.state)).toEqual([PurchaseState.ORDERED]);
      expect(purchase.submitTime).toBeDefined();

      const again = await mf().submitSale(s, officeA.call);
      expect(again).toMatchObject({ purchaseId: answer.purchaseId, duplicate: true });
      // The same external number from another office is another purchase.
      const other = await mf().submitSale(s, officeB.call);
      expect(other.purchaseId).not.toBe(answer.purchaseId);

      const [created] = await app.sql<{ payload: Uint8Array }[]>`
        select payload from outbox where type = 'manufacturing.purchase_created' and aggregate_id = ${answer.purchaseId}`;
      expect(created && fromBinary(PurchaseCreatedSchema, created.payload)).toMatchObject({
        purchaseId: answer.purchaseId,
        officeCode: officeACode,
        state: "PURCHASE_STATE_ORDERED",
      });
    });

    it("refuses unknown brands and models, and bad order numbers, naming the field", async () => {
      const bad = await expectCode(
        mf().submitSale(sale({ brand: "trabant" }), officeA.call),
        Code.InvalidArgument,
      );
      expect(bad.rawMessage).toContain("brand");
      const model = await expectCode(
        mf().submitSale(sale({ carModel: "Golf" }), officeA.call),
        Code.InvalidArgument,
      );
      expect(model.rawMessage).toContain("car_model");
      await expectCode(
        mf().submitSale(sale({ externalOrderNumber: "" }), officeA.call),
        Code.InvalidArgument,
      );
      await expectCode(
        mf().submitSale(sale({ externalOrderNumber: "x".repeat(65) }), officeA.call),
        Code.InvalidArgument,
      );
      await expectCode(mf().submitSale(sale(), skodaFactory.call), Code.PermissionDenied);
      await expectCode(mf().submitSale(sale(), admin.call), Code.PermissionDenied);
    });

    it("makes 50 concurrent identical sales one purchase with one id", async () => {
      const s = sale();
      const answers = await Promise.all(Array.from({ length: 50 }, () => mf().submitSale(s, officeA.call)));
      const ids = new Set(answers.map((a) => a.purchaseId));
      expect(ids.size).toBe(1);
      expect(answers.filter((a) => !a.duplicate)).toHaveLength(1);
      const [id] = [...ids] as [string];
      await purchaseWritten(surface, id);
      const [counts] = await app.sql<{ intake: number; purchases: number; events: number }[]>`
        select
          (select count(*)::int from sale_intake where external_order_number = ${s.externalOrderNumber}) as intake,
          (select count(*)::int from purchases where external_order_number = ${s.externalOrderNumber}) as purchases,
          (select count(*)::int from outbox where type = 'manufacturing.sale_submitted' and aggregate_id = ${id})
            as events`;
      expect(counts).toEqual({ intake: 1, purchases: 1, events: 1 });
    });

    it("queues a brand's ORDERED purchases oldest first for its manufacturer only, cursor-paged", async () => {
      const code = uniqueName("q-");
      await mf().createBrand({ code, name: "Queue test", carModels: ["One"] }, admin.call);
      const factory = await signInPartnerClient(app, admin, { brands: [code] });
      const ids: string[] = [];
      for (let i = 0; i < 5; i++)
        ids.push((await mf().submitSale(sale({ brand: code, carModel: "One" }), officeA.call)).purchaseId);
      await Promise.all(ids.map((id) => purchaseWritten(surface, id)));
      const first = await mf().listVehiclesForManufacturing({ brand: code, pageSize: 3 }, factory.call);
      expect(first.purchases.map((p) => p.id)).toEqual(ids.slice(0, 3));
      expect(first.nextPageToken).not.toBe("");
      const second = await mf().listVehiclesForManufacturing(
        { brand: code, pageSize: 3, pageToken: first.nextPageToken },
        factory.call,
      );
      expect(second.purchases.map((p) => p.id)).toEqual(ids.slice(3));
      expect(second.nextPageToken).toBe("");
      // Once in production it leaves the queue.
      await mf().updatePurchaseState(
        { purchaseId: ids[0] as string, state: PurchaseState.IN_PRODUCTION },
        factory.call,
      );
      const after = await mf().listVehiclesForManufacturing({ brand: code }, factory.call);
      expect(after.purchases.map((p) => p.id)).toEqual(ids.slice(1));

      await expectCode(
        mf().listVehiclesForManufacturing({ brand: code }, skodaFactory.call),
        Code.PermissionDenied,
      );
      await expectCode(
        mf().listVehiclesForManufacturing({ brand: "skoda" }, vwFactory.call),
        Code.PermissionDenied,
      );
      await expectCode(
        mf().listVehiclesForManufacturing({ brand: code }, officeA.call),
        Code.PermissionDenied,
      );
      await expectCode(
        mf().listVehiclesForManufacturing({ brand: code, pageToken: "forged" }, factory.call),
        Code.InvalidArgument,
      );
    });

    it("shows an office only its own purchases, a manufacturer only its brands', an admin all", async () => {
      const mine = (await mf().submitSale(sale(), officeA.call)).purchaseId;
      const theirs = (await mf().submitSale(sale({ brand: "vw", carModel: "Golf" }), officeB.call))
        .purchaseId;
      await purchaseWritten(surface, mine);
      await purchaseWritten(surface, theirs, officeB);

      await expectCode(mf().getPurchase({ purchaseId: theirs }, officeA.call), Code.NotFound);
      await expectCode(mf().getPurchase({ purchaseId: mine }, officeB.call), Code.NotFound);
      await expectCode(mf().getPurchase({ purchaseId: mine }, vwFactory.call), Code.NotFound);
      expect((await mf().getPurchase({ purchaseId: mine }, skodaFactory.call)).purchase?.id).toBe(mine);
      expect((await mf().getPurchase({ purchaseId: theirs }, vwFactory.call)).purchase?.id).toBe(theirs);
      expect((await mf().getPurchase({ purchaseId: theirs }, admin.call)).purchase?.id).toBe(theirs);
      await expectCode(mf().getPurchase({ purchaseId: "not-an-id" }, officeA.call), Code.InvalidArgument);

      const listA = await mf().listPurchases({ pageSize: 100 }, officeA.call);
      expect(listA.purchases.every((p) => p.officeCode === officeACode)).toBe(true);
      expect(listA.purchases.map((p) => p.id)).toContain(mine);
      expect(listA.purchases.map((p) => p.id)).not.toContain(theirs);
      const ids = listA.purchases.map((p) => p.id);
      expect(ids).toEqual([...ids].sort().reverse());
      await expectCode(mf().listPurchases({ officeCode: "ELSEWHERE" }, officeA.call), Code.InvalidArgument);

      const listVw = await mf().listPurchases({ pageSize: 100 }, vwFactory.call);
      expect(listVw.purchases.every((p) => p.brand === "vw" || p.brand === "audi")).toBe(true);
      expect(listVw.purchases.map((p) => p.id)).toContain(theirs);
      await expectCode(mf().listPurchases({ brand: "skoda" }, vwFactory.call), Code.InvalidArgument);

      const byOffice = await mf().listPurchases({ officeCode: officeACode, pageSize: 100 }, admin.call);
      expect(byOffice.purchases.map((p) => p.id)).toContain(mine);
      expect(byOffice.purchases.every((p) => p.officeCode === officeACode)).toBe(true);
      const ordered = await mf().listPurchases(
        { state: PurchaseState.ORDERED, brand: "vw", pageSize: 100 },
        admin.call,
      );
      expect(ordered.purchases.map((p) => p.id)).toContain(theirs);
      expect(ordered.purchases.every((p) => p.brand === "vw" && p.state === PurchaseState.ORDERED)).toBe(
        true,
      );
    });

    it("moves a purchase only along its lifecycle, recording who and when, and emits each change", async () => {
      const id = (await mf().submitSale(sale(), officeA.call)).purchaseId;
      await purchaseWritten(surface, id);
      const move = (state: PurchaseState, as: Pick<SignedIn, "call"> = skodaFactory) =>
        mf().updatePurchaseState({ purchaseId: id, state }, as.call);

      await expectCode(move(PurchaseState.BUILT), Code.FailedPrecondition);
      await expectCode(move(PurchaseState.IN_PRODUCTION, vwFactory), Code.NotFound);
      await expectCode(move(PurchaseState.IN_PRODUCTION, officeA), Code.PermissionDenied);
      await expectCode(move(PurchaseState.UNSPECIFIED), Code.InvalidArgument);
      await expectCode(move(PurchaseState.ORDERED), Code.InvalidArgument);
      await expectCode(move(99 as PurchaseState), Code.InvalidArgument);

      expect((await move(PurchaseState.IN_PRODUCTION)).purchase?.state).toBe(PurchaseState.IN_PRODUCTION);
      expect((await move(PurchaseState.BUILT)).purchase?.state).toBe(PurchaseState.BUILT);
      expect((await move(PurchaseState.SHIPPED, admin)).purchase?.state).toBe(PurchaseState.SHIPPED);
      await expectCode(move(PurchaseState.CANCELLED), Code.FailedPrecondition);
      const done = (await move(PurchaseState.DELIVERED)).purchase;
      expect(done?.stateHistory.map((h) => [h.state, h.actorId])).toEqual([
        [PurchaseState.ORDERED, ""],
        [PurchaseState.IN_PRODUCTION, skodaFactory.clientId],
        [PurchaseState.BUILT, skodaFactory.clientId],
        [PurchaseState.SHIPPED, admin.userId],
        [PurchaseState.DELIVERED, skodaFactory.clientId],
      ]);
      await expectCode(move(PurchaseState.CANCELLED), Code.FailedPrecondition);
      const read = (await mf().getPurchase({ purchaseId: id }, officeA.call)).purchase;
      expect(read?.state).toBe(PurchaseState.DELIVERED);
      expect(read?.stateHistory).toHaveLength(5);

      const rows = await app.sql<{ payload: Uint8Array }[]>`
        select payload from outbox where type = 'manufacturing.purchase_state_changed' and aggregate_id = ${id}
        order by seq`;
      expect(rows.map((r) => fromBinary(PurchaseStateChangedSchema, r.payload))).toMatchObject([
        { previousState: "PURCHASE_STATE_ORDERED", state: "PURCHASE_STATE_IN_PRODUCTION", sequence: 1 },
        { previousState: "PURCHASE_STATE_IN_PRODUCTION", state: "PURCHASE_STATE_BUILT", sequence: 2 },
        {
          previousState: "PURCHASE_STATE_BUILT",
          state: "PURCHASE_STATE_SHIPPED",
          sequence: 3,
          actorId: admin.userId,
        },
        { previousState: "PURCHASE_STATE_SHIPPED", state: "PURCHASE_STATE_DELIVERED", sequence: 4 },
      ]);

      const cancelled = (await mf().submitSale(sale(), officeA.call)).purchaseId;
      await purchaseWritten(surface, cancelled);
      await mf().updatePurchaseState(
        { purchaseId: cancelled, state: PurchaseState.CANCELLED },
        skodaFactory.call,
      );
      await expectCode(
        mf().updatePurchaseState(
          { purchaseId: cancelled, state: PurchaseState.IN_PRODUCTION },
          skodaFactory.call,
        ),
        Code.FailedPrecondition,
      );
    });
  });

  it("writes a sale answered OK while the intake's side is failing, once it recovers", async () => {
    const mf = clientFor("connect", ManufacturingService, app);
    // The purchases table out of reach: the consumer's transaction fails and its event is redelivered.
    await app.sql`alter table purchases rename to purchases_unreachable`;
    let answer: { purchaseId: string };
    try {
      answer = await mf.submitSale(
        { externalOrderNumber: uniqueName("F-"), brand: "audi", carModel: "A4" },
        officeA.call,
      );
      await eventually(async () => {
        const metrics = await (await fetch(`${app.httpUrl}/metrics`)).text();
        const line = metrics
          .split("\n")
          .find(
            (l) =>
              l.startsWith("shopfloor_consumer_redeliveries_total") &&
              l.includes("manufacturing-purchase-intake"),
          );
        expect(Number(line?.split(" ").pop() ?? 0)).toBeGreaterThan(0);
      });
    } finally {
      await app.sql`alter table purchases_unreachable rename to purchases`;
    }
    const purchase = await purchaseWritten("connect", answer.purchaseId);
    expect(purchase.carModel).toBe("A4");
  });
});

describe("the intake's backstop sweep", () => {
  let app: TestApp;

  beforeAll(async () => {
    // One delivery only, so the sale's event is dead-lettered at its first failure; the sweep runs every second.
    app = await startTestApp({ env: { CONSUMER_MAX_DELIVER: "1", SALE_INTAKE_SWEEP: "1s" } });
  });

  afterAll(async () => {
    await app?.stop();
    await app?.database.drop();
  });

  it("writes a sale whose event was dead-lettered", async () => {
    const admin = await signInAdmin(app);
    const office = await signInPartnerClient(app, admin, { officeCode: uniqueOfficeCode() });
    const mf = clientFor("connect", ManufacturingService, app);
    await app.sql`alter table purchases rename to purchases_unreachable`;
    let purchaseId = "";
    try {
      purchaseId = (
        await mf.submitSale(
          { externalOrderNumber: uniqueName("DL-"), brand: "vw", carModel: "Passat" },
          office.call,
        )
      ).purchaseId;
      await eventually(async () => {
        const [row] = await app.sql<{ n: number }[]>`
          select count(*)::int as n from dead_letters where consumer = 'manufacturing-purchase-intake'`;
        expect(row?.n).toBe(1);
      });
    } finally {
      await app.sql`alter table purchases_unreachable rename to purchases`;
    }
    const purchase = await eventually(
      async () => (await mf.getPurchase({ purchaseId }, office.call)).purchase,
      { timeoutMs: 15_000 },
    );
    expect(purchase?.carModel).toBe("Passat");
  });
});
