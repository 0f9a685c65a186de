import { fromBinary } from "@bufbuild/protobuf";
import { timestampDate } from "@bufbuild/protobuf/wkt";
import { OffersRefreshedSchema } from "../../../gen/shopfloor/events/v1/events_pb.js";
import type { OffersRefreshed } from "../../domain/offers/events.js";

// The offers context's payload decoder for event-decoding.ts: the inverse of its case in event-encoding.ts.

export function decodeOffersRefreshed(payload: Uint8Array): OffersRefreshed["payload"] {
  const m = fromBinary(OffersRefreshedSchema, payload);
  if (!m.refreshTime) throw new Error("refresh_time missing");
  return {
    productId: m.productId,
    currencyCode: m.minPrice?.currencyCode ?? "",
    point: {
      time: timestampDate(m.refreshTime),
      minPriceMinor: m.minPrice ? Number(m.minPrice.amountMinor) : undefined,
      maxPriceMinor: m.maxPrice ? Number(m.maxPrice.amountMinor) : undefined,
      offerCount: m.offerCount,
    },
  };
}
