import { describe, expect, it } from "vitest";
import { decodeEvent } from "../../src/adapters/events/event-decoding.js";
import { encodeEvent, type ShopfloorEvent } from "../../src/adapters/events/event-encoding.js";
import type { Purchase } from "../../src/domain/manufacturing/purchase.js";

// Manufacturing's events survive encoding to their protobuf payloads and decoding back (what the intake
// consumer and webhook deliveries read).

const at = new Date("2026-03-01T10:00:00.123Z");
const purchase: Purchase = {
  id: "0193a0a0-0000-7000-8000-000000000001",
  officeCode: "CZ-PRG",
  externalOrderNumber: "PRG-1",
  brand: "skoda",
  carModel: "Octavia",
  state: "ORDERED",
  submitTime: new Date("2026-03-01T09:59:59.500Z"),
  createTime: at,
  updateTime: at,
  history: [{ state: "ORDERED", changeTime: at }],
};

const roundTrip = (event: ShopfloorEvent) => {
  const { payloadType, payload } = encodeEvent(event);
  return decodeEvent({
    id: event.id,
    type: event.type,
    aggregateId: event.aggregateId,
    occurredAt: at,
    payloadType,
    payload,
  });
};

describe("manufacturing event payloads", () => {
  it("round-trip sale_submitted, purchase_created and purchase_state_changed", () => {
    const events: ShopfloorEvent[] = [
      {
        id: "e1",
        type: "manufacturing.sale_submitted",
        aggregateId: purchase.id,
        occurredAt: at,
        payload: {
          sale: {
            purchaseId: purchase.id,
            officeCode: "CZ-PRG",
            externalOrderNumber: "PRG-1",
            brand: "skoda",
            carModel: "Octavia",
            submittedBy: "client-1",
            submitTime: purchase.submitTime,
          },
        },
      },
      {
        id: "e2",
        type: "manufacturing.purchase_created",
        aggregateId: purchase.id,
        occurredAt: at,
        payload: { purchase },
      },
      {
        id: "e3",
        type: "manufacturing.purchase_state_changed",
        aggregateId: purchase.id,
        occurredAt: at,
        payload: {
          purchase: {
            id: purchase.id,
            officeCode: "CZ-PRG",
            externalOrderNumber: "PRG-1",
            brand: "skoda",
            carModel: "Octavia",
          },
          previousState: "BUILT",
          state: "SHIPPED",
          actorId: "factory-1",
          changeTime: at,
          sequence: 3,
        },
      },
    ];
    for (const event of events) expect(roundTrip(event)).toEqual(event);
  });
});
