import type { EventConsumer } from "../shared/event-bus.js";
import type { JobScheduler } from "../shared/job-scheduler.js";
import type { StopHandle } from "../shared/stop-handle.js";
import { transactionalConsumer } from "../shared/transactional-consumer.js";
import type { PurchaseCreated, SaleSubmitted } from "./events.js";
import type { ManufacturingDeps, ManufacturingTx } from "./ports.js";
import type { Purchase } from "./purchase.js";
import type { Sale } from "./sale.js";

/**
 * Writes the purchase of a sale, with its `manufacturing.purchase_created` event, unless it exists: the
 * purchase id was chosen at intake, so a redelivered event, the sweep and a second instance all write it once.
 */
export async function recordPurchase(
  deps: Pick<ManufacturingDeps, "clock" | "ids">,
  tx: ManufacturingTx,
  sale: Sale,
): Promise<boolean> {
  const now = deps.clock.now();
  const purchase: Purchase = {
    id: sale.purchaseId,
    officeCode: sale.officeCode,
    externalOrderNumber: sale.externalOrderNumber,
    brand: sale.brand,
    carModel: sale.carModel,
    state: "ORDERED",
    submitTime: sale.submitTime,
    createTime: now,
    updateTime: now,
    history: [{ state: "ORDERED", changeTime: now }],
  };
  if (!(await tx.purchases.insertIfAbsent(purchase))) return false;
  const event: PurchaseCreated = {
    id: deps.ids.newId(),
    type: "manufacturing.purchase_created",
    aggregateId: purchase.id,
    occurredAt: now,
    payload: { purchase },
  };
  await tx.outbox.append(event);
  return true;
}

/** The durable consumer that turns every `manufacturing.sale_submitted` into a purchase. */
export function purchaseIntakeConsumer(
  deps: Pick<ManufacturingDeps, "uow" | "clock" | "ids">,
): EventConsumer {
  return transactionalConsumer<ManufacturingTx>({
    name: "manufacturing-purchase-intake",
    eventTypes: ["manufacturing.sale_submitted"],
    uow: deps.uow,
    handle: async (event, tx) => {
      await recordPurchase(deps, tx, (event as SaleSubmitted).payload.sale);
    },
  });
}

const SWEEP_BATCH = 500;

/**
 * The backstop behind the consumer: once a period (once across instances), sales older than one period that
 * still have no purchase (the consumer normally writes them within milliseconds) (their event dead-lettered after its redeliveries ran out, say) are written.
 * With it, a sale answered OK becomes a purchase even if every delivery of its event failed.
 */
export function runPurchaseIntakeSweep(
  deps: Pick<ManufacturingDeps, "uow" | "intake" | "clock" | "ids">,
  jobs: Pick<JobScheduler, "every">,
  periodMs: number,
): StopHandle {
  return jobs.every("manufacturing.intake-sweep", periodMs, async () => {
    const before = new Date(deps.clock.now().getTime() - periodMs);
    for (const sale of await deps.intake.unwritten(before, SWEEP_BATCH)) {
      await deps.uow.run((tx) => recordPurchase(deps, tx, sale));
    }
  });
}
