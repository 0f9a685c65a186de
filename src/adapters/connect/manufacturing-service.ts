import type { ServiceImpl } from "@connectrpc/connect";
import { Code, ConnectError } from "@connectrpc/connect";
import { ManufacturingService } from "../../../gen/shopfloor/manufacturing/v1/manufacturing_pb.js";
import type { ManufacturingDeps } from "../../domain/manufacturing/ports.js";
import type { WebhookDeps } from "../../domain/manufacturing/webhook-ports.js";
import { manufacturingWebhookRpcs } from "./manufacturing-webhook-rpcs.js";

// Who may call each RPC is declared in access-policy.ts; which purchases a caller sees (its office's, its
// brands', all for an admin) is a domain rule. The handlers only translate.

const notYet = (): never => {
  throw new ConnectError("not implemented yet", Code.Unimplemented);
};

export function manufacturingService(
  _deps: ManufacturingDeps,
  webhooks: WebhookDeps,
): ServiceImpl<typeof ManufacturingService> {
  return {
    listBrands: notYet,
    createBrand: notYet,
    updateBrand: notYet,
    submitSale: notYet,
    listVehiclesForManufacturing: notYet,
    updatePurchaseState: notYet,
    getPurchase: notYet,
    listPurchases: notYet,

    // The webhook RPCs (manufacturing-webhook-rpcs.ts).
    ...manufacturingWebhookRpcs(webhooks),
  };
}

export { ManufacturingService };
