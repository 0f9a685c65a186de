import type { PurchaseListQuery, PurchaseRepository } from "../../domain/manufacturing/ports.js";
import type { Purchase, PurchaseStateChange } from "../../domain/manufacturing/purchase.js";
import type { PurchaseState } from "../../domain/manufacturing/purchase-state.js";
import { isId } from "../../domain/shared/id-format.js";
import type { SqlExecutor } from "./database.js";

interface PurchaseRow {
  id: string;
  office_code: string;
  external_order_number: string;
  brand: string;
  car_model: string;
  state: PurchaseState;
  submit_time: Date;
  create_time: Date;
  update_time: Date;
  /** [{state, change_time, actor_id}] ordered by seq, aggregated in the query. */
  history: { state: PurchaseState; change_time: string; actor_id: string | null }[];
}

const toPurchase = (r: PurchaseRow): Purchase => ({
  id: r.id,
  officeCode: r.office_code,
  externalOrderNumber: r.external_order_number,
  brand: r.brand,
  carModel: r.car_model,
  state: r.state,
  submitTime: r.submit_time,
  createTime: r.create_time,
  updateTime: r.update_time,
  history: r.history.map((h) => ({
    state: h.state,
    changeTime: new Date(h.change_time),
    actorId: h.actor_id ?? undefined,
  })),
});

export class PostgresPurchaseRepository implements PurchaseRepository {
  constructor(private readonly sql: SqlExecutor) {}

  /** The purchase columns plus its history as one JSON array, for rows of `purchases p`. */
  private get columns() {
    return this.sql`p.*, (
      select coalesce(json_agg(json_build_object(
        'state', c.state, 'change_time', c.change_time, 'actor_id', c.actor_id) order by c.seq), '[]')
      from purchase_state_changes c where c.purchase_id = p.id) as history`;
  }

  async insertIfAbsent(p: Purchase): Promise<boolean> {
    const inserted = await this.sql`
      insert into purchases
        (id, office_code, external_order_number, brand, car_model, state, submit_time, create_time, update_time)
      values (${p.id}, ${p.officeCode}, ${p.externalOrderNumber}, ${p.brand}, ${p.carModel}, ${p.state},
              ${p.submitTime}, ${p.createTime}, ${p.updateTime})
      on conflict do nothing
      returning 1`;
    if (inserted.length === 0) return false;
    for (const [seq, change] of p.history.entries()) {
      await this.sql`
        insert into purchase_state_changes (purchase_id, seq, state, actor_id, change_time)
        values (${p.id}, ${seq}, ${change.state}, ${change.actorId ?? null}, ${change.changeTime})`;
    }
    return true;
  }

  async findById(id: string): Promise<Purchase | undefined> {
    if (!isId(id)) return undefined;
    const [row] = await this.sql<PurchaseRow[]>`select ${this.columns} from purchases p where p.id = ${id}`;
    return row && toPurchase(row);
  }

  async findForUpdate(id: string): Promise<Purchase | undefined> {
    if (!isId(id)) return undefined;
    const [row] = await this.sql<PurchaseRow[]>`
      select ${this.columns} from purchases p where p.id = ${id} for update of p`;
    return row && toPurchase(row);
  }

  async recordStateChange(purchaseId: string, seq: number, change: PurchaseStateChange): Promise<void> {
    await this.sql`
      update purchases set state = ${change.state}, update_time = ${change.changeTime}, change_count = ${seq}
      where id = ${purchaseId}`;
    await this.sql`
      insert into purchase_state_changes (purchase_id, seq, state, actor_id, change_time)
      values (${purchaseId}, ${seq}, ${change.state}, ${change.actorId ?? null}, ${change.changeTime})`;
  }

  async listQueue(
    brand: string,
    state: PurchaseState,
    afterId: string | undefined,
    limit: number,
  ): Promise<Purchase[]> {
    const rows = await this.sql<PurchaseRow[]>`
      select ${this.columns} from purchases p
      where p.brand = ${brand} and p.state = ${state} ${afterId ? this.sql`and p.id > ${afterId}` : this.sql``}
      order by p.id
      limit ${limit}`;
    return rows.map(toPurchase);
  }

  async list(q: PurchaseListQuery): Promise<Purchase[]> {
    const sql = this.sql;
    const conditions = [
      q.officeCode !== undefined ? sql`p.office_code = ${q.officeCode}` : undefined,
      q.brands !== undefined ? sql`p.brand in ${sql(q.brands.length > 0 ? [...q.brands] : [""])}` : undefined,
      q.state !== undefined ? sql`p.state = ${q.state}` : undefined,
      q.beforeId !== undefined ? sql`p.id < ${q.beforeId}` : undefined,
    ].filter((c) => c !== undefined);
    const where = conditions.reduce((acc, c, i) => (i === 0 ? sql`where ${c}` : sql`${acc} and ${c}`), sql``);
    const rows = await sql<PurchaseRow[]>`
      select ${this.columns} from purchases p ${where} order by p.id desc limit ${q.limit}`;
    return rows.map(toPurchase);
  }
}
