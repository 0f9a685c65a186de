import { describe, expect, it } from "vitest";
import type { Principal } from "../../src/domain/identity/principal.js";
import { getPurchase } from "../../src/domain/manufacturing/get-purchase.js";
import { listPurchases } from "../../src/domain/manufacturing/list-purchases.js";
import { listVehiclesForManufacturing } from "../../src/domain/manufacturing/list-vehicles-for-manufacturing.js";
import { canSee } from "../../src/domain/manufacturing/purchase.js";
import {
  canMove,
  PURCHASE_STATES,
  type PurchaseState,
} from "../../src/domain/manufacturing/purchase-state.js";
import { recordPurchase } from "../../src/domain/manufacturing/record-purchase.js";
import { submitSale } from "../../src/domain/manufacturing/submit-sale.js";
import { updatePurchaseState } from "../../src/domain/manufacturing/update-purchase-state.js";
import {
  FailedPrecondition,
  InvalidArgument,
  NotFound,
  PermissionDenied,
} from "../../src/domain/shared/errors.js";
import { manufacturingFakes } from "../support/fakes/manufacturing-fakes.js";

const office: Principal = { userId: "office-client", role: "REGIONAL_OFFICE", officeCode: "PRG" };
const otherOffice: Principal = { userId: "other-office", role: "REGIONAL_OFFICE", officeCode: "BRN" };
const skodaFactory: Principal = { userId: "skoda-plant", role: "MANUFACTURER", brands: ["skoda"] };
const vwFactory: Principal = { userId: "vw-plant", role: "MANUFACTURER", brands: ["vw"] };
const admin: Principal = { userId: "admin", role: "ADMIN" };

async function writtenPurchase(f = manufacturingFakes(), by = office, number = "A-1") {
  const { purchaseId } = await submitSale(f.deps, by, {
    externalOrderNumber: number,
    brand: "skoda",
    carModel: "Octavia",
  });
  const sale = f.intake.rows.find((s) => s.purchaseId === purchaseId);
  if (!sale) throw new Error("no sale");
  await f.deps.uow.run((tx) => recordPurchase(f.deps, tx, sale));
  return { f, purchaseId };
}

describe("the purchase lifecycle", () => {
  const legal: Array<[PurchaseState, PurchaseState]> = [
    ["ORDERED", "IN_PRODUCTION"],
    ["IN_PRODUCTION", "BUILT"],
    ["BUILT", "SHIPPED"],
    ["SHIPPED", "DELIVERED"],
    ["ORDERED", "CANCELLED"],
    ["IN_PRODUCTION", "CANCELLED"],
    ["BUILT", "CANCELLED"],
  ];
  it("allows exactly the forward steps and cancelling before shipping", () => {
    for (const from of PURCHASE_STATES)
      for (const to of PURCHASE_STATES)
        expect(canMove(from, to), `${from} -> ${to}`).toBe(legal.some(([a, b]) => a === from && b === to));
  });

  it("records who moved a purchase and emits the change with its sequence", async () => {
    const { f, purchaseId } = await writtenPurchase();
    const moved = await updatePurchaseState(f.deps, skodaFactory, { purchaseId, state: "IN_PRODUCTION" });
    expect(moved.history.map((h) => [h.state, h.actorId])).toEqual([
      ["ORDERED", undefined],
      ["IN_PRODUCTION", "skoda-plant"],
    ]);
    expect(f.events.at(-1)).toMatchObject({
      type: "manufacturing.purchase_state_changed",
      payload: { previousState: "ORDERED", state: "IN_PRODUCTION", actorId: "skoda-plant", sequence: 1 },
    });
    await expect(
      updatePurchaseState(f.deps, skodaFactory, { purchaseId, state: "DELIVERED" }),
    ).rejects.toBeInstanceOf(FailedPrecondition);
  });

  it("hides a purchase from other brands' manufacturers and refuses moving back to ORDERED", async () => {
    const { f, purchaseId } = await writtenPurchase();
    await expect(
      updatePurchaseState(f.deps, vwFactory, { purchaseId, state: "IN_PRODUCTION" }),
    ).rejects.toBeInstanceOf(NotFound);
    await expect(
      updatePurchaseState(f.deps, office, { purchaseId, state: "IN_PRODUCTION" }),
    ).rejects.toBeInstanceOf(NotFound);
    await expect(updatePurchaseState(f.deps, admin, { purchaseId, state: "ORDERED" })).rejects.toBeInstanceOf(
      InvalidArgument,
    );
    await expect(updatePurchaseState(f.deps, admin, { purchaseId, state: undefined })).rejects.toBeInstanceOf(
      InvalidArgument,
    );
  });
});

describe("sales intake", () => {
  it("answers a repeat of the same office and number with the first purchase id, and emits one event", async () => {
    const f = manufacturingFakes();
    const first = await submitSale(f.deps, office, {
      externalOrderNumber: " A-7 ",
      brand: "SKODA",
      carModel: "superb",
    });
    const again = await submitSale(f.deps, office, {
      externalOrderNumber: "A-7",
      brand: "skoda",
      carModel: "Superb",
    });
    expect(again).toEqual({ purchaseId: first.purchaseId, duplicate: true });
    expect(f.intake.rows).toHaveLength(1);
    expect(f.intake.rows[0]).toMatchObject({
      brand: "skoda",
      carModel: "Superb",
      externalOrderNumber: "A-7",
      officeCode: "PRG",
    });
    expect(f.events.filter((e) => e.type === "manufacturing.sale_submitted")).toHaveLength(1);
    const elsewhere = await submitSale(f.deps, otherOffice, {
      externalOrderNumber: "A-7",
      brand: "skoda",
      carModel: "Superb",
    });
    expect(elsewhere.purchaseId).not.toBe(first.purchaseId);
  });

  it("refuses unknown brands and models, naming every field at once", async () => {
    const f = manufacturingFakes();
    const error = await submitSale(f.deps, office, {
      externalOrderNumber: "",
      brand: "",
      carModel: "",
    }).catch((e) => e);
    expect(error).toBeInstanceOf(InvalidArgument);
    expect((error as InvalidArgument).violations.map((v) => v.field)).toEqual([
      "external_order_number",
      "brand",
      "car_model",
    ]);
    await expect(
      submitSale(f.deps, office, { externalOrderNumber: "x", brand: "trabant", carModel: "601" }),
    ).rejects.toThrow(/brand/);
    await expect(
      submitSale(f.deps, office, { externalOrderNumber: "x", brand: "vw", carModel: "Octavia" }),
    ).rejects.toThrow(/car_model/);
    await expect(
      submitSale(
        f.deps,
        { userId: "x", role: "REGIONAL_OFFICE" },
        { externalOrderNumber: "x", brand: "vw", carModel: "Golf" },
      ),
    ).rejects.toBeInstanceOf(PermissionDenied);
  });

  it("writes a purchase once however often its sale is handled", async () => {
    const f = manufacturingFakes();
    const { purchaseId } = await submitSale(f.deps, office, {
      externalOrderNumber: "B-1",
      brand: "vw",
      carModel: "Golf",
    });
    const sale = f.intake.rows[0];
    if (!sale) throw new Error("no sale");
    expect(await f.deps.uow.run((tx) => recordPurchase(f.deps, tx, sale))).toBe(true);
    expect(await f.deps.uow.run((tx) => recordPurchase(f.deps, tx, sale))).toBe(false);
    expect(f.events.filter((e) => e.type === "manufacturing.purchase_created")).toHaveLength(1);
    expect((await getPurchase(f.deps, office, purchaseId)).state).toBe("ORDERED");
  });
});

describe("who sees which purchases", () => {
  it("lets an office, its brand's manufacturers and admins see a purchase, nobody else", () => {
    const p = { officeCode: "PRG", brand: "skoda" };
    expect([office, otherOffice, skodaFactory, vwFactory, admin].map((who) => canSee(p, who))).toEqual([
      true,
      false,
      true,
      false,
      true,
    ]);
    expect(canSee(p, { userId: "c", role: "CUSTOMER" })).toBe(false);
  });

  it("scopes lists and queues to the caller", async () => {
    const { f } = await writtenPurchase(undefined, office, "L-1");
    await writtenPurchase(f, otherOffice, "L-2");
    expect(
      (await listPurchases(f.deps, office, { pageSize: 0, pageToken: "", brand: "", officeCode: "" })).items,
    ).toHaveLength(1);
    expect(
      (await listPurchases(f.deps, admin, { pageSize: 0, pageToken: "", brand: "", officeCode: "" })).items,
    ).toHaveLength(2);
    expect(
      (await listPurchases(f.deps, vwFactory, { pageSize: 0, pageToken: "", brand: "", officeCode: "" }))
        .items,
    ).toHaveLength(0);
    await expect(
      listPurchases(f.deps, office, { pageSize: 0, pageToken: "", brand: "", officeCode: "BRN" }),
    ).rejects.toBeInstanceOf(InvalidArgument);
    const queue = await listVehiclesForManufacturing(f.deps, skodaFactory, {
      brand: "skoda",
      pageSize: 1,
      pageToken: "",
    });
    expect(queue.items).toHaveLength(1);
    const next = await listVehiclesForManufacturing(f.deps, skodaFactory, {
      brand: "skoda",
      pageSize: 1,
      pageToken: queue.nextCursor ?? "",
    });
    expect(next.items).toHaveLength(1);
    expect(next.items[0]?.id).not.toBe(queue.items[0]?.id);
    await expect(
      listVehiclesForManufacturing(f.deps, vwFactory, { brand: "skoda", pageSize: 0, pageToken: "" }),
    ).rejects.toBeInstanceOf(PermissionDenied);
  });
});
