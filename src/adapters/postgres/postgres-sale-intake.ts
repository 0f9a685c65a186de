import type { RecordedSale, SaleIntake } from "../../domain/manufacturing/ports.js";
import type { Sale } from "../../domain/manufacturing/sale.js";
import type { SqlExecutor } from "./database.js";

interface SaleRow {
  purchase_id: string;
  office_code: string;
  external_order_number: string;
  brand: string;
  car_model: string;
  submitted_by: string;
  submit_time: Date;
}

const toSale = (r: SaleRow): Sale => ({
  purchaseId: r.purchase_id,
  officeCode: r.office_code,
  externalOrderNumber: r.external_order_number,
  brand: r.brand,
  carModel: r.car_model,
  submittedBy: r.submitted_by,
  submitTime: r.submit_time,
});

export class PostgresSaleIntake implements SaleIntake {
  constructor(private readonly sql: SqlExecutor) {}

  async record(sale: Sale): Promise<RecordedSale> {
    // A concurrent insert of the same (office, number) waits on the unique index until the first transaction
    // ends, then inserts nothing; the select that follows (a new snapshot under READ COMMITTED) sees the first.
    const inserted = await this.sql`
      insert into sale_intake
        (purchase_id, office_code, external_order_number, brand, car_model, submitted_by, submit_time)
      values (${sale.purchaseId}, ${sale.officeCode}, ${sale.externalOrderNumber}, ${sale.brand},
              ${sale.carModel}, ${sale.submittedBy}, ${sale.submitTime})
      on conflict (office_code, external_order_number) do nothing
      returning 1`;
    if (inserted.length === 1) return { sale, created: true };
    const [row] = await this.sql<SaleRow[]>`
      select * from sale_intake
      where office_code = ${sale.officeCode} and external_order_number = ${sale.externalOrderNumber}`;
    if (!row) throw new Error("sale_intake conflict without a row");
    return { sale: toSale(row), created: false };
  }

  async unwritten(before: Date, limit: number): Promise<Sale[]> {
    const rows = await this.sql<SaleRow[]>`
      select * from sale_intake
      where not written and submit_time < ${before}
      order by submit_time
      limit ${limit}
      for update skip locked`;
    return rows.map(toSale);
  }

  async markWritten(purchaseId: string): Promise<void> {
    await this.sql`update sale_intake set written = true where purchase_id = ${purchaseId} and not written`;
  }
}
