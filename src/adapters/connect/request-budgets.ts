import type { Logger } from "pino";
import type { StopHandle } from "../../domain/shared/stop-handle.js";

/** Adds this instance's counts to the shared ones and returns the shared totals of those keys. */
export interface SharedRequestCounts {
  add(windowStart: Date, counts: ReadonlyMap<string, number>): Promise<ReadonlyMap<string, number>>;
}

interface Budget {
  /** The shared total at the last sync (every instance's calls, this one's included). */
  shared: number;
  /** This instance's calls since the last sync. */
  unsynced: number;
  /** This instance's calls being added by the sync in flight (not yet in `shared`). */
  syncing: number;
}

/**
 * Per-key call budgets in fixed windows, shared across instances without a database round trip per call:
 * each call is decided in memory against the shared total last synced plus this instance's calls since, and
 * every `syncMs` one batched upsert adds what was used and reads back the totals. The price is bounded
 * overshoot: each instance may admit up to one sync period's worth of calls past a limit before it learns
 * that the others used the rest (with the defaults, a second's worth per instance on a minute's budget).
 * The window's counts are forgotten when it ends, so memory is bounded by the keys seen in one window.
 */
export class RequestBudgets implements StopHandle {
  private windowStart = 0;
  private budgets = new Map<string, Budget>();
  private readonly timer: NodeJS.Timeout;
  private syncing: Promise<void> | undefined;

  constructor(
    private readonly shared: SharedRequestCounts,
    private readonly options: { readonly windowMs: number; readonly syncMs: number; readonly logger: Logger },
  ) {
    this.timer = setInterval(() => void this.sync(), options.syncMs);
    this.timer.unref();
  }

  /** Counts one call against `key`; undefined if within `limit`, else the seconds until the window ends. */
  take(key: string, limit: number): number | undefined {
    const now = Date.now();
    this.roll(now);
    let budget = this.budgets.get(key);
    if (!budget) {
      budget = { shared: 0, unsynced: 0, syncing: 0 };
      this.budgets.set(key, budget);
    }
    if (budget.shared + budget.syncing + budget.unsynced >= limit) {
      return Math.max(1, Math.ceil((this.windowStart + this.options.windowMs - now) / 1000));
    }
    budget.unsynced += 1;
    return undefined;
  }

  /** Adds the unsynced counts to the shared ones (one statement) and takes the totals back. */
  sync(): Promise<void> {
    this.syncing ??= this.syncOnce().finally(() => {
      this.syncing = undefined;
    });
    return this.syncing;
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.syncing;
  }

  private async syncOnce(): Promise<void> {
    this.roll(Date.now());
    const windowStart = this.windowStart;
    const budgets = this.budgets;
    const counts = new Map<string, number>();
    for (const [key, budget] of budgets) {
      if (budget.unsynced === 0) continue;
      counts.set(key, budget.unsynced);
      budget.syncing = budget.unsynced;
      budget.unsynced = 0;
    }
    if (counts.size === 0) return;
    try {
      const totals = await this.shared.add(new Date(windowStart), counts);
      if (this.windowStart !== windowStart) return;
      for (const [key, total] of totals) {
        const budget = budgets.get(key);
        if (budget) budget.shared = Math.max(budget.shared, total);
      }
      for (const key of counts.keys()) {
        const budget = budgets.get(key);
        if (budget) budget.syncing = 0;
      }
    } catch (error) {
      // Not synced: the counts go back to be added next time, and calls are still decided locally.
      for (const [key, count] of counts) {
        const budget = budgets.get(key);
        if (budget && this.windowStart === windowStart) {
          budget.unsynced += count;
          budget.syncing = 0;
        }
      }
      this.options.logger.warn({ err: error }, "cannot share request counts; deciding locally meanwhile");
    }
  }

  private roll(now: number): void {
    const windowStart = Math.floor(now / this.options.windowMs) * this.options.windowMs;
    if (windowStart === this.windowStart) return;
    this.windowStart = windowStart;
    this.budgets = new Map();
  }
}
