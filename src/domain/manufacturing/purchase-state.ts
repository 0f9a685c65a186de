// A purchase's lifecycle as a transition table: the one place that says which moves are legal.

export const PURCHASE_STATES = [
  "ORDERED",
  "IN_PRODUCTION",
  "BUILT",
  "SHIPPED",
  "DELIVERED",
  "CANCELLED",
] as const;

export type PurchaseState = (typeof PURCHASE_STATES)[number];

/** Where each state may go next: forward one step, or CANCELLED before the vehicle has shipped. */
const TRANSITIONS: Readonly<Record<PurchaseState, readonly PurchaseState[]>> = {
  ORDERED: ["IN_PRODUCTION", "CANCELLED"],
  IN_PRODUCTION: ["BUILT", "CANCELLED"],
  BUILT: ["SHIPPED", "CANCELLED"],
  SHIPPED: ["DELIVERED"],
  DELIVERED: [],
  CANCELLED: [],
};

export const canMove = (from: PurchaseState, to: PurchaseState): boolean => TRANSITIONS[from].includes(to);

export const nextStates = (from: PurchaseState): readonly PurchaseState[] => TRANSITIONS[from];
