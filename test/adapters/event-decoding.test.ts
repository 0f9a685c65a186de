import { describe, expect, it } from "vitest";
import { decodeEvent } from "../../src/adapters/events/event-decoding.js";
import { encodeEvent, type ShopfloorEvent } from "../../src/adapters/events/event-encoding.js";

// The catalog and offers decoders are the inverse of their encoders: what a consumer gets back is the event
// that was written, except where the protobuf payload carries less (stated by each decoder).

const envelope = (event: ShopfloorEvent) => ({
  id: event.id,
  type: event.type,
  aggregateId: event.aggregateId,
  occurredAt: event.occurredAt,
  ...encodeEvent(event),
});

const at = new Date("2026-12-01T10:00:00.123Z");
const product = {
  id: crypto.randomUUID(),
  name: "Kettle",
  description: "Boils water",
  categoryId: crypto.randomUUID(),
  price: { currencyCode: "EUR", amountMinor: 2999 },
  stockQuantity: 7,
  archived: false,
  createTime: at,
  updateTime: at,
};
const base = { id: crypto.randomUUID(), aggregateId: product.id, occurredAt: at };

describe("event decoding", () => {
  const roundTrips: ShopfloorEvent[] = [
    { ...base, type: "catalog.product_created", payload: { product } },
    {
      ...base,
      type: "catalog.category_created",
      payload: {
        category: {
          id: product.categoryId,
          slug: "kitchen",
          name: "Kitchen",
          description: "",
          createTime: at,
        },
      },
    },
    { ...base, type: "catalog.product_archived", payload: { productId: product.id, archiveTime: at } },
    {
      ...base,
      type: "catalog.stock_changed",
      payload: {
        movement: {
          id: crypto.randomUUID(),
          productId: product.id,
          delta: -2,
          resultingQuantity: 5,
          reason: "order placed",
          actorId: crypto.randomUUID(),
          referenceId: "order-1",
          createTime: at,
        },
      },
    },
    {
      ...base,
      type: "offers.offers_refreshed",
      payload: {
        productId: product.id,
        currencyCode: "EUR",
        point: { time: at, minPriceMinor: 100, maxPriceMinor: 300, offerCount: 2 },
      },
    },
  ];

  it.each(roundTrips.map((e) => [e.type, e] as const))("gives back %s as it was encoded", (_type, event) => {
    expect(decodeEvent(envelope(event))).toEqual(event);
  });

  it("gives back catalog.product_updated with the stock and create time it does not carry", () => {
    const event: ShopfloorEvent = {
      ...base,
      type: "catalog.product_updated",
      payload: { product, changedFields: ["price"] },
    };
    expect(decodeEvent(envelope(event))).toEqual({
      ...event,
      payload: { product: { ...product, stockQuantity: 0 }, changedFields: ["price"] },
    });
  });

  it("gives back offers.offers_refreshed with no offers as no prices", () => {
    const event: ShopfloorEvent = {
      ...base,
      type: "offers.offers_refreshed",
      payload: {
        productId: product.id,
        currencyCode: "",
        point: { time: at, minPriceMinor: undefined, maxPriceMinor: undefined, offerCount: 0 },
      },
    };
    expect(decodeEvent(envelope(event))).toEqual(event);
  });
});
