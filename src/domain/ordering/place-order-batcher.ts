import type { PlaceOrderResult } from "./place-order.js";
import type { PlacementOutcome } from "./place-orders-together.js";
import type { OrderPlacer, PlacementRequest } from "./ports.js";

export interface PlaceOrderBatching {
  /** Most orders in one transaction. 1: every order is its own transaction. */
  readonly maxBatch: number;
  /** Most batches in flight at once; while that many run, new orders wait and form the next batch. */
  readonly maxInFlight: number;
}

/** What the batcher reports as it works (the app turns these into metrics). */
export interface PlaceOrderBatchObserver {
  /** How many orders wait for a slot, after every change. */
  waiting(count: number): void;
  /** A batch of `size` orders starts. */
  batchStarted(size: number): void;
}

interface Waiting {
  readonly request: PlacementRequest;
  resolve(result: PlaceOrderResult): void;
  reject(error: unknown): void;
}

/**
 * Group commit for PlaceOrder. An order that arrives while fewer than `maxInFlight` batches run starts a
 * batch at once, so at low load nothing waits (no timer window: it could only add latency). Orders that
 * arrive while `maxInFlight` batches run queue up, and the next batch takes them all (up to `maxBatch`): the
 * busier it gets, the more orders share one transaction, one round of row locks and one commit. This is what
 * lifts a hot product, whose row lock otherwise admits one transaction at a time.
 *
 * A batch never holds one customer's idempotency key twice (the second waits for the next batch, so it
 * replays the first). Each caller gets its own result or error; if the transaction itself fails (the
 * database), every caller of that batch gets that failure, as each would have alone. A caller that stops
 * waiting (its deadline passed) is answered by the RPC layer: an order still queued then is dropped (its
 * request's signal), one whose batch already started commits or not with its batch, like a COMMIT that races
 * a deadline (the idempotency key is the remedy).
 */
export class PlaceOrderBatcher implements OrderPlacer {
  private queue: Waiting[] = [];
  private inFlight = 0;
  private readonly launch: (batch: Waiting[]) => void;

  /**
   * `detach` makes a function run in the async context the batcher was made in (the app's), not the one of
   * the request that happened to start a batch: one caller's deadline or logger must not govern the
   * transaction of the others. The app passes AsyncResource.bind.
   */
  constructor(
    private readonly placeTogether: (requests: readonly PlacementRequest[]) => Promise<PlacementOutcome[]>,
    private readonly options: PlaceOrderBatching,
    detach: <A>(fn: (arg: A) => void) => (arg: A) => void = (fn) => fn,
    private readonly observer: PlaceOrderBatchObserver = { waiting: () => {}, batchStarted: () => {} },
  ) {
    this.launch = detach((batch: Waiting[]) => void this.run(batch));
  }

  place(request: PlacementRequest): Promise<PlaceOrderResult> {
    return new Promise<PlaceOrderResult>((resolve, reject) => {
      const waiting = { request, resolve, reject };
      this.queue.push(waiting);
      this.startBatches(waiting);
    });
  }

  /** `arrived`: the order just placed, when this runs in its caller's context. */
  private startBatches(arrived?: Waiting): void {
    while (this.inFlight < this.options.maxInFlight && this.queue.length > 0) {
      this.inFlight++;
      const batch = this.take();
      this.observer.batchStarted(batch.length);
      // An order that found a free slot and goes alone runs in its caller's context, so its transaction keeps
      // that caller's deadline (rolled back rather than committed once it has passed); a shared batch is
      // detached, since no one caller's deadline may govern the others'.
      if (batch.length === 1 && batch[0] === arrived) void this.run(batch);
      else this.launch(batch);
    }
    this.observer.waiting(this.queue.length);
  }

  /** The next batch, in arrival order; a repeat of a key already in it stays queued. */
  private take(): Waiting[] {
    const batch: Waiting[] = [];
    const left: Waiting[] = [];
    const keys = new Set<string>();
    for (const waiting of this.queue) {
      // Its caller was answered already (deadline, or gone): placing it now would take stock nobody asked for.
      if (waiting.request.signal?.aborted) {
        waiting.reject(waiting.request.signal.reason ?? new Error("the caller is gone"));
        continue;
      }
      const { customerId, idempotencyKey } = waiting.request.command;
      const key = idempotencyKey === "" ? undefined : `${customerId}\u0000${idempotencyKey}`;
      if (batch.length >= this.options.maxBatch || (key !== undefined && keys.has(key))) {
        left.push(waiting);
        continue;
      }
      if (key !== undefined) keys.add(key);
      batch.push(waiting);
    }
    this.queue = left;
    return batch;
  }

  private async run(batch: Waiting[]): Promise<void> {
    try {
      const outcomes = await this.placeTogether(batch.map((w) => w.request));
      batch.forEach((waiting, i) => {
        const outcome = outcomes[i];
        if (outcome?.ok) waiting.resolve(outcome.result);
        else waiting.reject(outcome ? outcome.error : new Error("no outcome for a batched order"));
      });
    } catch (error) {
      for (const waiting of batch) waiting.reject(error);
    } finally {
      this.inFlight--;
      this.startBatches();
    }
  }
}
