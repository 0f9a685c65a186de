import type { Brand } from "../../../src/domain/manufacturing/brand.js";
import type {
  BrandRepository,
  ManufacturingDeps,
  ManufacturingTx,
  PurchaseListQuery,
  PurchaseRepository,
  RecordedSale,
  SaleIntake,
} from "../../../src/domain/manufacturing/ports.js";
import type { Purchase, PurchaseStateChange } from "../../../src/domain/manufacturing/purchase.js";
import type { PurchaseState } from "../../../src/domain/manufacturing/purchase-state.js";
import type { Sale } from "../../../src/domain/manufacturing/sale.js";
import type { DomainEvent } from "../../../src/domain/shared/domain-event.js";
import { AlreadyExists } from "../../../src/domain/shared/errors.js";
import type { CursorValue, PageTokens } from "../../../src/domain/shared/page-tokens.js";

/** In-memory twins of the manufacturing ports, for domain tests without I/O. Transactions are not rolled back. */
export class FakeBrands implements BrandRepository {
  readonly rows = new Map<string, Brand>();
  async list() {
    return [...this.rows.values()].sort((a, b) => a.code.localeCompare(b.code));
  }
  async findByCode(code: string) {
    return this.rows.get(code);
  }
  async insert(brand: Brand) {
    if (this.rows.has(brand.code)) throw new AlreadyExists("code: taken");
    this.rows.set(brand.code, brand);
  }
  async update(brand: Brand) {
    this.rows.set(brand.code, brand);
  }
}

export class FakeIntake implements SaleIntake {
  readonly rows: Sale[] = [];
  constructor(private readonly purchases: FakePurchases) {}
  async record(sale: Sale): Promise<RecordedSale> {
    const found = this.rows.find(
      (s) => s.officeCode === sale.officeCode && s.externalOrderNumber === sale.externalOrderNumber,
    );
    if (found) return { sale: found, created: false };
    this.rows.push(sale);
    return { sale, created: true };
  }
  async markWritten() {}
  async unwritten(before: Date, limit: number) {
    return this.rows
      .filter((s) => s.submitTime < before && !this.purchases.rows.has(s.purchaseId))
      .slice(0, limit);
  }
}

export class FakePurchases implements PurchaseRepository {
  readonly rows = new Map<string, Purchase>();
  async insertIfAbsent(p: Purchase) {
    if (this.rows.has(p.id)) return false;
    this.rows.set(p.id, p);
    return true;
  }
  async findById(id: string) {
    return this.rows.get(id);
  }
  async findForUpdate(id: string) {
    return this.rows.get(id);
  }
  async recordStateChange(id: string, _seq: number, change: PurchaseStateChange) {
    const p = this.rows.get(id);
    if (p)
      this.rows.set(id, {
        ...p,
        state: change.state,
        updateTime: change.changeTime,
        history: [...p.history, change],
      });
  }
  async listQueue(brand: string, state: PurchaseState, afterId: string | undefined, limit: number) {
    return [...this.rows.values()]
      .filter((p) => p.brand === brand && p.state === state && (!afterId || p.id > afterId))
      .sort((a, b) => a.id.localeCompare(b.id))
      .slice(0, limit);
  }
  async list(q: PurchaseListQuery) {
    return [...this.rows.values()]
      .filter(
        (p) =>
          (q.officeCode === undefined || p.officeCode === q.officeCode) &&
          (q.brands === undefined || q.brands.includes(p.brand)) &&
          (q.state === undefined || p.state === q.state) &&
          (q.beforeId === undefined || p.id < q.beforeId),
      )
      .sort((a, b) => b.id.localeCompare(a.id))
      .slice(0, q.limit);
  }
}

/** Page tokens that are plain JSON with their scope: enough to test paging, not sealing. */
const plainPageTokens: PageTokens = {
  seal: (scope, cursor) => JSON.stringify([scope, cursor]),
  open: (_field, scope, token) => {
    const [s, cursor] = JSON.parse(token) as [string, CursorValue[]];
    if (s !== scope) throw new Error("foreign token");
    return cursor;
  },
};

export interface ManufacturingFakes {
  readonly deps: ManufacturingDeps;
  readonly purchases: FakePurchases;
  readonly intake: FakeIntake;
  readonly events: DomainEvent[];
  advance(ms: number): void;
}

export function manufacturingFakes(): ManufacturingFakes {
  const brands = new FakeBrands();
  const now0 = new Date("2026-01-01T00:00:00Z");
  for (const [code, name, models] of [
    ["skoda", "Škoda", ["Octavia", "Superb"]],
    ["vw", "Volkswagen", ["Golf"]],
  ] as const)
    brands.rows.set(code, { code, name, carModels: [...models], createTime: now0 });
  const purchases = new FakePurchases();
  const intake = new FakeIntake(purchases);
  const events: DomainEvent[] = [];
  let now = now0.getTime();
  let seq = 0;
  const tx: ManufacturingTx = {
    brands,
    intake,
    purchases,
    outbox: { append: async (e) => void events.push(e) },
    processedEvents: { markProcessed: async () => true },
  };
  return {
    deps: {
      uow: { run: (work) => work(tx) },
      brands,
      purchases,
      intake,
      pageTokens: plainPageTokens,
      clock: { now: () => new Date(now) },
      ids: { newId: () => `00000000-0000-7000-8000-${String(++seq).padStart(12, "0")}` },
    },
    purchases,
    intake,
    events,
    advance: (ms) => {
      now += ms;
    },
  };
}
