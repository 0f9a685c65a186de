import { create } from "@bufbuild/protobuf";
import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import type { ServiceImpl } from "@connectrpc/connect";
import {
  BrandSchema,
  ManufacturingService,
  type Brand as ProtoBrand,
  type Purchase as ProtoPurchase,
  PurchaseState as ProtoPurchaseState,
  PurchaseSchema,
} from "../../../gen/shopfloor/manufacturing/v1/manufacturing_pb.js";
import type { Brand } from "../../domain/manufacturing/brand.js";
import { createBrand } from "../../domain/manufacturing/create-brand.js";
import { getPurchase } from "../../domain/manufacturing/get-purchase.js";
import { listBrands } from "../../domain/manufacturing/list-brands.js";
import { listPurchases } from "../../domain/manufacturing/list-purchases.js";
import { listVehiclesForManufacturing } from "../../domain/manufacturing/list-vehicles-for-manufacturing.js";
import type { ManufacturingDeps } from "../../domain/manufacturing/ports.js";
import type { Purchase } from "../../domain/manufacturing/purchase.js";
import type { PurchaseState } from "../../domain/manufacturing/purchase-state.js";
import { submitSale } from "../../domain/manufacturing/submit-sale.js";
import { updateBrand } from "../../domain/manufacturing/update-brand.js";
import { updatePurchaseState } from "../../domain/manufacturing/update-purchase-state.js";
import type { WebhookDeps } from "../../domain/manufacturing/webhook-ports.js";
import { InvalidArgument } from "../../domain/shared/errors.js";
import { manufacturingWebhookRpcs } from "./manufacturing-webhook-rpcs.js";
import { requirePrincipal } from "./rpc-context.js";

// Who may call each RPC is declared in access-policy.ts; which purchases a caller sees (its office's, its
// brands', all for an admin) is a domain rule. The handlers only translate.

const STATE_TO_PROTO: Record<PurchaseState, ProtoPurchaseState> = {
  ORDERED: ProtoPurchaseState.ORDERED,
  IN_PRODUCTION: ProtoPurchaseState.IN_PRODUCTION,
  BUILT: ProtoPurchaseState.BUILT,
  SHIPPED: ProtoPurchaseState.SHIPPED,
  DELIVERED: ProtoPurchaseState.DELIVERED,
  CANCELLED: ProtoPurchaseState.CANCELLED,
};

const STATE_FROM_PROTO = new Map(
  Object.entries(STATE_TO_PROTO).map(([state, proto]) => [proto, state as PurchaseState]),
);

/** A state field of a request: unspecified is undefined; a number outside the enum is refused. */
export function purchaseStateFromProto(field: string, state: ProtoPurchaseState): PurchaseState | undefined {
  if (state === ProtoPurchaseState.UNSPECIFIED) return undefined;
  const known = STATE_FROM_PROTO.get(state);
  if (!known) throw InvalidArgument.field(field, `${state} is not a purchase state`);
  return known;
}

export const purchaseStateToProto = (state: PurchaseState): ProtoPurchaseState => STATE_TO_PROTO[state];

export function brandToProto(b: Brand): ProtoBrand {
  return create(BrandSchema, {
    code: b.code,
    name: b.name,
    carModels: [...b.carModels],
    createTime: timestampFromDate(b.createTime),
  });
}

export function purchaseToProto(p: Purchase): ProtoPurchase {
  return create(PurchaseSchema, {
    id: p.id,
    officeCode: p.officeCode,
    externalOrderNumber: p.externalOrderNumber,
    brand: p.brand,
    carModel: p.carModel,
    state: STATE_TO_PROTO[p.state],
    createTime: timestampFromDate(p.createTime),
    updateTime: timestampFromDate(p.updateTime),
    submitTime: timestampFromDate(p.submitTime),
    stateHistory: p.history.map((h) => ({
      state: STATE_TO_PROTO[h.state],
      changeTime: timestampFromDate(h.changeTime),
      actorId: h.actorId ?? "",
    })),
  });
}

export function manufacturingService(
  deps: ManufacturingDeps,
  webhooks: WebhookDeps,
): ServiceImpl<typeof ManufacturingService> {
  return {
    async listBrands() {
      return { brands: (await listBrands(deps)).map(brandToProto) };
    },
    async createBrand(req) {
      return { brand: brandToProto(await createBrand(deps, req)) };
    },
    async updateBrand(req) {
      const brand = await updateBrand(deps, {
        code: req.brand?.code ?? "",
        name: req.brand?.name ?? "",
        carModels: req.brand?.carModels ?? [],
        paths: req.updateMask?.paths ?? [],
      });
      return { brand: brandToProto(brand) };
    },
    async submitSale(req, ctx) {
      return submitSale(deps, requirePrincipal(ctx), req);
    },
    async listVehiclesForManufacturing(req, ctx) {
      const page = await listVehiclesForManufacturing(deps, requirePrincipal(ctx), req);
      return { purchases: page.items.map(purchaseToProto), nextPageToken: page.nextCursor ?? "" };
    },
    async updatePurchaseState(req, ctx) {
      const purchase = await updatePurchaseState(deps, requirePrincipal(ctx), {
        purchaseId: req.purchaseId,
        state: purchaseStateFromProto("state", req.state),
      });
      return { purchase: purchaseToProto(purchase) };
    },
    async getPurchase(req, ctx) {
      return { purchase: purchaseToProto(await getPurchase(deps, requirePrincipal(ctx), req.purchaseId)) };
    },
    async listPurchases(req, ctx) {
      const page = await listPurchases(deps, requirePrincipal(ctx), {
        pageSize: req.pageSize,
        pageToken: req.pageToken,
        state: purchaseStateFromProto("state", req.state),
        brand: req.brand,
        officeCode: req.officeCode,
      });
      return { purchases: page.items.map(purchaseToProto), nextPageToken: page.nextCursor ?? "" };
    },

    // The webhook RPCs (manufacturing-webhook-rpcs.ts).
    ...manufacturingWebhookRpcs(webhooks),
  };
}

export { ManufacturingService };
