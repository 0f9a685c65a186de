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
  await tx.intake.markWritten(sale.purchaseId);
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

/** Sales written beside the event's own in one consumer transaction. */
const CATCH_UP_BATCH = 100;

/**
 * The durable consumer that turns every `manufacturing.sale_submitted` into a purchase. Events reach it one
 * at a time, so under a burst it would fall behind by the queue's length; instead each event's transaction
 * also writes the oldest other sales still unwritten (up to a batch), and the events of those then find their
 * purchase written and cost a mark each. The lag stays near one transaction however deep the queue.
 */
export function purchaseIntakeConsumer(
  deps: Pick<ManufacturingDeps, "uow" | "clock" | "ids">,
): EventConsumer {
  return transactionalConsumer<ManufacturingTx>({
    name: "manufacturing-purchase-intake",
    eventTypes: ["manufacturing.sale_submitted"],
    uow: deps.uow,
    handle: async (event, tx) => {
      const sale = (event as SaleSubmitted).payload.sale;
      await recordPurchase(deps, tx, sale);
      for (const other of await tx.intake.unwritten(deps.clock.now(), CATCH_UP_BATCH)) {
        if (other.purchaseId !== sale.purchaseId) await recordPurchase(deps, tx, other);
      }
    },
  });
}

const SWEEP_BATCH = 200;

/**
 * The backstop behind the consumer: once a period (once across instances), sales older than one period that
 * still have no purchase (the consumer normally writes them within milliseconds) (their event dead-lettered after its redeliveries ran out, say) are written.
 * With it, a sale answered OK becomes a purchase even if every delivery of its event failed.
 */
export function runPurchaseIntakeSweep(
  deps: Pick<ManufacturingDeps, "uow" | "clock" | "ids">,
  jobs: Pick<JobScheduler, "every">,
  periodMs: number,
): StopHandle {
  return jobs.every("manufacturing.intake-sweep", periodMs, async () => {
    const before = new Date(deps.clock.now().getTime() - periodMs);
    // Batch by batch, each in its own transaction, until none is left.
    for (;;) {
      const written = await deps.uow.run(async (tx) => {
        const sales = await tx.intake.unwritten(before, SWEEP_BATCH);
        for (const sale of sales) await recordPurchase(deps, tx, sale);
        return sales.length;
      });
      if (written < SWEEP_BATCH) return;
    }
  });
}
