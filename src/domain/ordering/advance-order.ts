import type { Job, JobScheduler, ScheduledJobs } from "../shared/job-scheduler.js";
import type { StopHandle } from "../shared/stop-handle.js";
import { changeOrderStatus } from "./change-order-status.js";
import { type Order, SYSTEM_ACTOR } from "./order.js";
import { FULFILMENT_STEP, ORDER_STATUSES, type OrderStatus } from "./order-status.js";
import type { OrderingDeps } from "./ports.js";

// The fulfilment simulator (ORDER_AUTO_ADVANCE): every open order moves one step (PENDING -> PAID ->
// SHIPPED -> DELIVERED) one period after its last change. Each step is a job keyed by order and status,
// scheduled in the transaction of the change it follows; the scheduler runs a (name, key) once across all
// instances, and the step itself applies only if the order is still in that status, so a rerun (a lease
// that ran out) or a step overtaken by an admin or a cancel changes nothing.

export const ADVANCE_ORDER_JOB = "ordering.advance-order";

export interface FulfilmentStep {
  readonly orderId: string;
  /** The status the order must still be in for the step to apply. */
  readonly from: OrderStatus;
}

const jobKey = (orderId: string, status: OrderStatus): string => `${orderId}:${status}`;

/** Schedules the next step of an open order, due one period after its last change (no-op when off). */
export async function scheduleFulfilmentStep(
  jobs: ScheduledJobs,
  autoAdvanceMs: number | undefined,
  order: Order,
): Promise<void> {
  if (autoAdvanceMs === undefined || FULFILMENT_STEP[order.status] === undefined) return;
  await jobs.schedule({
    name: ADVANCE_ORDER_JOB,
    key: jobKey(order.id, order.status),
    runAt: new Date(order.updateTime.getTime() + autoAdvanceMs),
    payload: { orderId: order.id, from: order.status },
  });
}

/** Drops the pending step of the status an order is leaving, so no job is left to find it moved on. */
export async function cancelFulfilmentStep(
  jobs: ScheduledJobs,
  autoAdvanceMs: number | undefined,
  order: Order,
): Promise<void> {
  if (autoAdvanceMs === undefined || FULFILMENT_STEP[order.status] === undefined) return;
  await jobs.cancel(ADVANCE_ORDER_JOB, jobKey(order.id, order.status));
}

/** Moves the order one step if it is still in `from`; undefined when it had moved on (nothing changed). */
export function advanceOrder(
  deps: Pick<OrderingDeps, "uow" | "clock" | "ids" | "autoAdvanceMs">,
  step: FulfilmentStep,
): Promise<Order | undefined> {
  return deps.uow.run(async (tx) => {
    const order = await tx.orders.findForUpdate(step.orderId);
    const to = order && order.status === step.from ? FULFILMENT_STEP[order.status] : undefined;
    if (!order || !to) return undefined;
    return changeOrderStatus(tx, deps, order, to, SYSTEM_ACTOR);
  });
}

/** Runs the simulator's steps on this instance (every instance may run it: each step runs once). */
export function runFulfilmentSimulator(
  deps: Pick<OrderingDeps, "uow" | "clock" | "ids" | "autoAdvanceMs">,
  jobs: Pick<JobScheduler, "handle">,
): StopHandle {
  return jobs.handle(ADVANCE_ORDER_JOB, async (job) => {
    const step = stepOf(job);
    // Failing leaves it dead after its retries, where an admin sees it, rather than silently dropped.
    if (!step) throw new Error(`malformed ${ADVANCE_ORDER_JOB} job ${job.key}`);
    await advanceOrder(deps, step);
  });
}

function stepOf(job: Job): FulfilmentStep | undefined {
  const payload = job.payload;
  if (typeof payload !== "object" || payload === null || Array.isArray(payload)) return undefined;
  const { orderId, from } = payload;
  if (typeof orderId !== "string" || !ORDER_STATUSES.includes(from as OrderStatus)) return undefined;
  return { orderId, from: from as OrderStatus };
}
