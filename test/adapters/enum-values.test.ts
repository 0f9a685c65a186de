import { create } from "@bufbuild/protobuf";
import { describe, expect, it } from "vitest";
import {
  PlaceOrderResponseSchema,
  type RejectionReason,
} from "../../gen/shopfloor/ordering/v1/ordering_pb.js";
import { undefinedEnumNumbers, unknownEnumNames } from "../../src/adapters/rpc/enum-values.js";

// The generic enum checks walk any message by its descriptor: nested and repeated fields too.

describe("enum value checks", () => {
  it("find an undefined number in a repeated nested message, by its proto path", () => {
    const message = create(PlaceOrderResponseSchema, {
      rejectedItems: [{ reason: 1 as RejectionReason }, { reason: 99 as RejectionReason }],
    });
    expect(undefinedEnumNumbers(PlaceOrderResponseSchema, message)).toEqual([
      {
        field: "rejected_items[1].reason",
        description: "is not a value of shopfloor.ordering.v1.RejectionReason",
      },
    ]);
  });

  it("find an unknown name in JSON by either field spelling, and leave numbers and known names alone", () => {
    const json = {
      rejectedItems: [{ reason: "REJECTION_REASON_NOPE" }, { reason: 2 }],
      rejected_items: [],
      order: { status: "ORDER_STATUS_PAID", items: [] },
    };
    expect(unknownEnumNames(PlaceOrderResponseSchema, json)).toEqual([
      {
        field: "rejected_items[0].reason",
        description: "is not a value of shopfloor.ordering.v1.RejectionReason",
      },
    ]);
    expect(unknownEnumNames(PlaceOrderResponseSchema, { order: { status: "NOPE" } })).toEqual([
      { field: "order.status", description: "is not a value of shopfloor.ordering.v1.OrderStatus" },
    ]);
  });
});
