import type { Principal } from "../identity/principal.js";
import { PermissionDenied } from "../shared/errors.js";
import { checkText } from "../shared/text-rules.js";
import { Violations } from "../shared/violations.js";
import { carModelOf } from "./brand.js";
import type { SaleSubmitted } from "./events.js";
import type { ManufacturingDeps } from "./ports.js";
import type { Sale } from "./sale.js";

export interface SubmitSaleCommand {
  readonly externalOrderNumber: string;
  readonly brand: string;
  readonly carModel: string;
}

export interface SubmittedSale {
  readonly purchaseId: string;
  /** True when the office had already submitted this external order number. */
  readonly duplicate: boolean;
}

/**
 * A regional office records a sale. What is written before answering is one intake row and its
 * `manufacturing.sale_submitted` event, in one transaction: once this returns, the sale is durable and the
 * intake consumer (record-purchase.ts) will write its purchase whatever fails meanwhile. A repeat of the same
 * office and external number answers the first submission's purchase id, however concurrently it is sent.
 */
export async function submitSale(
  deps: Pick<ManufacturingDeps, "uow" | "brands" | "clock" | "ids">,
  principal: Principal,
  command: SubmitSaleCommand,
): Promise<SubmittedSale> {
  const officeCode = principal.officeCode;
  if (!officeCode) throw new PermissionDenied("only a regional office with an office code may submit sales");
  const v = new Violations();
  const externalOrderNumber = command.externalOrderNumber.trim();
  checkText(v, "external_order_number", externalOrderNumber, { min: 1, max: 64 });
  const brandCode = command.brand.trim().toLowerCase();
  if (brandCode === "") v.add("brand", "is required");
  if (command.carModel.trim() === "") v.add("car_model", "is required");
  v.throwIfAny();
  const brand = await deps.brands.findByCode(brandCode);
  if (!brand) v.add("brand", `unknown brand ${JSON.stringify(brandCode.slice(0, 40))}`);
  const carModel = brand && carModelOf(brand, command.carModel);
  if (brand && !carModel)
    v.add("car_model", `${brand.name} has no model ${JSON.stringify(command.carModel.trim().slice(0, 100))}`);
  v.throwIfAny();

  const now = deps.clock.now();
  const sale: Sale = {
    purchaseId: deps.ids.newId(),
    officeCode,
    externalOrderNumber,
    brand: brandCode,
    carModel: carModel as string,
    submittedBy: principal.userId,
    submitTime: now,
  };
  return deps.uow.run(async (tx) => {
    const recorded = await tx.intake.record(sale);
    if (recorded.created) {
      const event: SaleSubmitted = {
        id: deps.ids.newId(),
        type: "manufacturing.sale_submitted",
        aggregateId: sale.purchaseId,
        occurredAt: now,
        payload: { sale },
      };
      await tx.outbox.append(event);
    }
    return { purchaseId: recorded.sale.purchaseId, duplicate: !recorded.created };
  });
}
