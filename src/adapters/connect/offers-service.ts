import { create } from "@bufbuild/protobuf";
import { timestampDate, timestampFromDate } from "@bufbuild/protobuf/wkt";
import type { ServiceImpl } from "@connectrpc/connect";
import {
  OfferRegistrationSchema,
  OfferSchema,
  OffersService,
  PricePointSchema,
  type Offer as ProtoOffer,
  type OfferRegistration as ProtoRegistration,
  RegistrationState as ProtoRegistrationState,
} from "../../../gen/shopfloor/offers/v1/offers_pb.js";
import { getPriceHistory } from "../../domain/offers/get-price-history.js";
import { listProductOffers } from "../../domain/offers/list-product-offers.js";
import type { Offer, PricePoint } from "../../domain/offers/offer.js";
import { getOfferRegistration, listOfferRegistrations } from "../../domain/offers/offer-registrations.js";
import type { OffersDeps } from "../../domain/offers/ports.js";
import { refreshOffersNow } from "../../domain/offers/refresh-offers.js";
import type { Registration, RegistrationState } from "../../domain/offers/registration.js";
import { InvalidArgument } from "../../domain/shared/errors.js";
import { moneyToProto } from "./money-mapping.js";

// Who may call each RPC is declared in access-policy.ts (ListProductOffers and GetOfferPriceHistory are
// public, the rest admin-only); the handlers only translate between the wire and the use cases.

const STATE_TO_PROTO: Record<RegistrationState, ProtoRegistrationState> = {
  PENDING: ProtoRegistrationState.PENDING,
  REGISTERED: ProtoRegistrationState.REGISTERED,
  FAILED: ProtoRegistrationState.FAILED,
};

function stateFromProto(state: ProtoRegistrationState): RegistrationState | undefined {
  if (state === ProtoRegistrationState.UNSPECIFIED) return undefined;
  const known = (Object.keys(STATE_TO_PROTO) as RegistrationState[]).find((s) => STATE_TO_PROTO[s] === state);
  if (!known) throw InvalidArgument.field("state", `${state} is not a registration state`);
  return known;
}

export function offersService(deps: OffersDeps): ServiceImpl<typeof OffersService> {
  const money = (amountMinor: number | undefined) =>
    amountMinor === undefined ? undefined : moneyToProto({ currencyCode: deps.shopCurrency, amountMinor });

  const offerToProto = (o: Offer): ProtoOffer =>
    create(OfferSchema, {
      id: o.id,
      productId: o.productId,
      price: money(o.priceMinor),
      itemsInStock: o.itemsInStock,
      firstSeenTime: timestampFromDate(o.firstSeenTime),
      updateTime: timestampFromDate(o.updateTime),
    });

  const pointToProto = (p: PricePoint) =>
    create(PricePointSchema, {
      time: timestampFromDate(p.time),
      minPrice: money(p.minPriceMinor),
      maxPrice: money(p.maxPriceMinor),
      offerCount: p.offerCount,
    });

  const registrationToProto = (r: Registration): ProtoRegistration =>
    create(OfferRegistrationSchema, {
      productId: r.productId,
      state: STATE_TO_PROTO[r.state],
      attempts: r.attempts,
      lastError: r.lastError ?? "",
      registerTime: r.registerTime ? timestampFromDate(r.registerTime) : undefined,
      lastRefreshTime: r.lastRefreshTime ? timestampFromDate(r.lastRefreshTime) : undefined,
      lastRefreshError: r.lastRefreshError ?? "",
      updateTime: timestampFromDate(r.updateTime),
    });

  return {
    async listProductOffers(req) {
      const page = await listProductOffers(deps, req);
      return {
        offers: page.items.map(offerToProto),
        nextPageToken: page.nextCursor ?? "",
        refreshTime: page.refreshTime ? timestampFromDate(page.refreshTime) : undefined,
      };
    },
    async getOfferPriceHistory(req) {
      const points = await getPriceHistory(deps, {
        productId: req.productId,
        startTime: req.startTime ? timestampDate(req.startTime) : undefined,
        endTime: req.endTime ? timestampDate(req.endTime) : undefined,
      });
      return { points: points.map(pointToProto) };
    },
    async refreshOffers(req) {
      const result = await refreshOffersNow(deps, req.productId);
      return result.kind === "scheduled"
        ? { scheduled: true }
        : { offers: result.offers.map(offerToProto), scheduled: false };
    },
    async getOfferRegistration(req) {
      return { registration: registrationToProto(await getOfferRegistration(deps, req.productId)) };
    },
    async listOfferRegistrations(req) {
      const page = await listOfferRegistrations(deps, {
        state: stateFromProto(req.state),
        pageSize: req.pageSize,
        pageToken: req.pageToken,
      });
      return { registrations: page.items.map(registrationToProto), nextPageToken: page.nextCursor ?? "" };
    },
  };
}

export { OffersService };
