import type { StockLedger } from "../../domain/catalog/ports.js";
import type { StockMovement } from "../../domain/catalog/stock.js";
import { isId } from "../../domain/shared/id-format.js";
import type { SqlExecutor } from "./database.js";

interface StockMovementRow {
  id: string;
  product_id: string;
  delta: number;
  resulting_quantity: number;
  reason: string;
  actor_id: string | null;
  reference_id: string | null;
  create_time: Date;
}

const toMovement = (r: StockMovementRow): StockMovement => ({
  id: r.id,
  productId: r.product_id,
  delta: r.delta,
  resultingQuantity: r.resulting_quantity,
  reason: r.reason,
  actorId: r.actor_id ?? undefined,
  referenceId: r.reference_id ?? undefined,
  createTime: r.create_time,
});

export class PostgresStockLedger implements StockLedger {
  constructor(private readonly sql: SqlExecutor) {}

  async record(m: StockMovement): Promise<void> {
    await this.sql`
      insert into stock_movements (id, product_id, delta, resulting_quantity, reason, actor_id, reference_id,
                                   create_time)
      values (${m.id}, ${m.productId}, ${m.delta}, ${m.resultingQuantity}, ${m.reason}, ${m.actorId ?? null},
              ${m.referenceId ?? null}, ${m.createTime})`;
  }

  async listForProduct(query: {
    productId: string;
    limit: number;
    beforeId?: string | undefined;
  }): Promise<StockMovement[]> {
    const { sql } = this;
    if (!isId(query.productId)) return [];
    const rows = await sql<StockMovementRow[]>`
      select * from stock_movements
      where product_id = ${query.productId}
        ${query.beforeId === undefined ? sql`` : sql`and id < ${query.beforeId}`}
      order by id desc
      limit ${query.limit}`;
    return rows.map(toMovement);
  }
}
