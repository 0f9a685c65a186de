import { create } from "@bufbuild/protobuf";
import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import type { HandlerContext, ServiceImpl } from "@connectrpc/connect";
import {
  type ManufacturingService,
  DeliveryStatus as ProtoDeliveryStatus,
  type Webhook as ProtoWebhook,
  type WebhookDelivery as ProtoWebhookDelivery,
  WebhookDeliverySchema,
  WebhookSchema,
} from "../../../gen/shopfloor/manufacturing/v1/manufacturing_pb.js";
import { deleteWebhook } from "../../domain/manufacturing/delete-webhook.js";
import { listWebhookDeliveries } from "../../domain/manufacturing/list-webhook-deliveries.js";
import { listWebhooks } from "../../domain/manufacturing/list-webhooks.js";
import { redeliverWebhook } from "../../domain/manufacturing/redeliver-webhook.js";
import { registerWebhook } from "../../domain/manufacturing/register-webhook.js";
import { rotateWebhookSecret } from "../../domain/manufacturing/rotate-webhook-secret.js";
import type { WebhookCaller } from "../../domain/manufacturing/webhook-caller.js";
import type { DeliveryStatus, WebhookDelivery } from "../../domain/manufacturing/webhook-delivery.js";
import type { WebhookView } from "../../domain/manufacturing/webhook-endpoint.js";
import type { WebhookDeps } from "../../domain/manufacturing/webhook-ports.js";
import { InvalidArgument, PermissionDenied } from "../../domain/shared/errors.js";
import { requirePrincipal } from "./rpc-context.js";

// The webhook RPCs of ManufacturingService, spread into manufacturing-service.ts. Access (offices and admins)
// is the access policy's; which endpoints a caller sees (its office's) is the domain's.

type WebhookRpcs = Pick<
  ServiceImpl<typeof ManufacturingService>,
  | "listWebhooks"
  | "registerWebhook"
  | "deleteWebhook"
  | "rotateWebhookSecret"
  | "listWebhookDeliveries"
  | "redeliverWebhook"
>;

const STATUS_TO_PROTO: Record<DeliveryStatus, ProtoDeliveryStatus> = {
  PENDING: ProtoDeliveryStatus.PENDING,
  SUCCEEDED: ProtoDeliveryStatus.SUCCEEDED,
  FAILED: ProtoDeliveryStatus.FAILED,
};

const STATUS_FROM_PROTO = new Map(
  Object.entries(STATUS_TO_PROTO).map(([status, proto]) => [proto, status as DeliveryStatus]),
);

function statusFromProto(status: ProtoDeliveryStatus): DeliveryStatus | undefined {
  if (status === ProtoDeliveryStatus.UNSPECIFIED) return undefined;
  const known = STATUS_FROM_PROTO.get(status);
  if (!known) throw InvalidArgument.field("status", `${status} is not a delivery status`);
  return known;
}

/** The caller as the webhook use cases know it; an office token without its office code manages nothing. */
function callerOf(ctx: HandlerContext): WebhookCaller {
  const principal = requirePrincipal(ctx);
  if (principal.role === "ADMIN") return { kind: "admin", actorId: principal.userId };
  if (principal.role === "REGIONAL_OFFICE" && principal.officeCode) {
    return { kind: "office", actorId: principal.userId, officeCode: principal.officeCode };
  }
  throw new PermissionDenied("only a regional office or an admin manages webhooks");
}

export function webhookToProto(w: WebhookView): ProtoWebhook {
  return create(WebhookSchema, {
    id: w.id,
    url: w.url,
    officeCode: w.officeCode,
    createTime: timestampFromDate(w.createTime),
    disabled: w.disabled,
    disabledReason: w.disabledReason,
    previousSecretExpireTime: w.previousSecretExpireTime && timestampFromDate(w.previousSecretExpireTime),
  });
}

export function deliveryToProto(d: WebhookDelivery): ProtoWebhookDelivery {
  return create(WebhookDeliverySchema, {
    id: d.id,
    webhookId: d.webhookId,
    eventType: d.eventType,
    purchaseId: d.purchaseId,
    status: STATUS_TO_PROTO[d.status],
    attempts: d.attempts,
    lastStatusCode: d.lastStatusCode,
    lastError: d.lastError,
    nextAttemptTime:
      d.status === "PENDING" && d.nextAttemptTime ? timestampFromDate(d.nextAttemptTime) : undefined,
    createTime: timestampFromDate(d.createTime),
    lastAttemptTime: d.lastAttemptTime && timestampFromDate(d.lastAttemptTime),
  });
}

export function manufacturingWebhookRpcs(deps: WebhookDeps): WebhookRpcs {
  return {
    async listWebhooks(req, ctx) {
      const webhooks = await listWebhooks(deps, callerOf(ctx), { officeCode: req.officeCode });
      return { webhooks: webhooks.map(webhookToProto) };
    },
    async registerWebhook(req, ctx) {
      const { webhook, secret } = await registerWebhook(deps, callerOf(ctx), { url: req.url });
      return { webhook: webhookToProto(webhook), secret };
    },
    async deleteWebhook(req, ctx) {
      await deleteWebhook(deps, callerOf(ctx), { webhookId: req.webhookId });
      return {};
    },
    async rotateWebhookSecret(req, ctx) {
      const { webhook, secret } = await rotateWebhookSecret(deps, callerOf(ctx), {
        webhookId: req.webhookId,
      });
      return { webhook: webhookToProto(webhook), secret };
    },
    async listWebhookDeliveries(req, ctx) {
      const page = await listWebhookDeliveries(deps, callerOf(ctx), {
        webhookId: req.webhookId,
        status: statusFromProto(req.status),
        pageSize: req.pageSize,
        pageToken: req.pageToken,
      });
      return { deliveries: page.items.map(deliveryToProto), nextPageToken: page.nextCursor ?? "" };
    },
    async redeliverWebhook(req, ctx) {
      const delivery = await redeliverWebhook(deps, callerOf(ctx), { deliveryId: req.deliveryId });
      return { delivery: deliveryToProto(delivery) };
    },
  };
}
