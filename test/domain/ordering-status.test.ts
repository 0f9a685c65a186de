import { describe, expect, it } from "vitest";
import {
  canTransition,
  checkTransition,
  FULFILMENT_STEP,
  isFinal,
  ORDER_STATUSES,
  ORDER_TRANSITIONS,
  type OrderStatus,
} from "../../src/domain/ordering/order-status.js";
import { FailedPrecondition } from "../../src/domain/shared/errors.js";

// The lifecycle of SPEC §4, spelled out pair by pair: PENDING -> PAID -> SHIPPED -> DELIVERED, and PENDING or
// PAID -> CANCELLED. Everything else is illegal.
const LEGAL = new Set([
  "PENDING->PAID",
  "PAID->SHIPPED",
  "SHIPPED->DELIVERED",
  "PENDING->CANCELLED",
  "PAID->CANCELLED",
]);

describe("the order transition table", () => {
  const pairs = ORDER_STATUSES.flatMap((from) => ORDER_STATUSES.map((to) => [from, to] as const));

  it.each(pairs)("%s -> %s is legal exactly when the lifecycle says so", (from, to) => {
    expect(canTransition(from, to)).toBe(LEGAL.has(`${from}->${to}`));
  });

  it("has exactly the five legal moves and names every status", () => {
    expect(Object.keys(ORDER_TRANSITIONS).sort()).toEqual([...ORDER_STATUSES].sort());
    const moves = Object.entries(ORDER_TRANSITIONS).flatMap(([from, tos]) =>
      tos.map((to) => `${from}->${to}`),
    );
    expect(new Set(moves)).toEqual(LEGAL);
  });

  it("treats DELIVERED and CANCELLED as final and nothing else", () => {
    expect(ORDER_STATUSES.filter(isFinal)).toEqual(["DELIVERED", "CANCELLED"]);
  });

  it("moves the simulator along PENDING, PAID, SHIPPED, DELIVERED, each step a legal transition", () => {
    const path: OrderStatus[] = ["PENDING"];
    for (let s = FULFILMENT_STEP.PENDING; s; s = FULFILMENT_STEP[s]) path.push(s);
    expect(path).toEqual(["PENDING", "PAID", "SHIPPED", "DELIVERED"]);
    for (const [from, to] of Object.entries(FULFILMENT_STEP))
      expect(canTransition(from as OrderStatus, to as OrderStatus)).toBe(true);
    expect(FULFILMENT_STEP.CANCELLED).toBeUndefined();
  });

  it("refuses an illegal move as FailedPrecondition naming the legal ones", () => {
    const error = (() => {
      try {
        checkTransition("SHIPPED", "CANCELLED", "status");
      } catch (e) {
        return e;
      }
    })() as FailedPrecondition;
    expect(error).toBeInstanceOf(FailedPrecondition);
    expect(error.message).toContain("SHIPPED to CANCELLED");
    expect(error.message).toContain("DELIVERED");
    expect(error.violations).toEqual([{ field: "status", description: expect.stringContaining("SHIPPED") }]);
    expect(() => checkTransition("DELIVERED", "PAID")).toThrow(/final/);
    expect(() => checkTransition("PAID", "PAID")).toThrow(/already PAID/);
    expect(() => checkTransition("PENDING", "PAID")).not.toThrow();
  });
});
