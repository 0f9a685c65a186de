// The JSON body a regional office receives, in the Standard Webhooks shape {type, timestamp, data}, with the
// seed's snake_case keys and the states' full names ("PURCHASE_STATE_IN_PRODUCTION"), as every other JSON
// answer and the events spell them.

/** A purchase change worth telling its office about: its creation, or a move from one state to another. */
export interface PurchaseChangeNotice {
  /** The outbox event that reported it. */
  readonly eventId: string;
  readonly type: "purchase.created" | "purchase.state_changed";
  readonly purchaseId: string;
  readonly officeCode: string;
  readonly externalOrderNumber: string;
  readonly brand: string;
  readonly carModel: string;
  /** Undefined for a creation. */
  readonly previousState?: string | undefined;
  readonly state: string;
  /** Empty for the intake itself. */
  readonly actorId: string;
  readonly changeTime: Date;
  /** State changes so far, this one included (0 for the creation). */
  readonly sequence: number;
}

/** The body of every attempt of the notice's deliveries (the same bytes each time, so the same signature base). */
export function webhookBody(notice: PurchaseChangeNotice): string {
  const stateName = (state: string) => `PURCHASE_STATE_${state}`;
  return JSON.stringify({
    type: notice.type,
    timestamp: notice.changeTime.toISOString(),
    data: {
      purchase: {
        id: notice.purchaseId,
        office_code: notice.officeCode,
        external_order_number: notice.externalOrderNumber,
        brand: notice.brand,
        car_model: notice.carModel,
        state: stateName(notice.state),
      },
      previous_state: notice.previousState === undefined ? null : stateName(notice.previousState),
      state: stateName(notice.state),
      change_time: notice.changeTime.toISOString(),
      actor_id: notice.actorId,
      sequence: notice.sequence,
    },
  });
}
