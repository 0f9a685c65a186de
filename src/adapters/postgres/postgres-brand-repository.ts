import type { BrandDirectory } from "../../domain/identity/partner-scope.js";
import type { Brand } from "../../domain/manufacturing/brand.js";
import type { BrandRepository } from "../../domain/manufacturing/ports.js";
import { AlreadyExists } from "../../domain/shared/errors.js";
import type { SqlExecutor } from "./database.js";
import { uniqueViolation } from "./unique-violation.js";

interface BrandRow {
  code: string;
  name: string;
  car_models: string[];
  create_time: Date;
}

const toBrand = (r: BrandRow): Brand => ({
  code: r.code,
  name: r.name,
  carModels: r.car_models,
  createTime: r.create_time,
});

/** Brands for the manufacturing context, and the brand directory identity checks manufacturers against. */
export class PostgresBrandRepository implements BrandRepository, BrandDirectory {
  constructor(private readonly sql: SqlExecutor) {}

  async list(): Promise<Brand[]> {
    const rows = await this.sql<BrandRow[]>`select * from brands order by code`;
    return rows.map(toBrand);
  }

  async findByCode(code: string): Promise<Brand | undefined> {
    const [row] = await this.sql<BrandRow[]>`select * from brands where code = ${code}`;
    return row && toBrand(row);
  }

  async insert(brand: Brand): Promise<void> {
    try {
      await this.sql`
        insert into brands (code, name, car_models, create_time)
        values (${brand.code}, ${brand.name}, ${this.sql.json([...brand.carModels])}, ${brand.createTime})`;
    } catch (error) {
      if (uniqueViolation(error) === "brands_pkey") throw new AlreadyExists("code: this brand exists");
      throw error;
    }
  }

  async update(brand: Brand): Promise<void> {
    await this.sql`
      update brands set name = ${brand.name}, car_models = ${this.sql.json([...brand.carModels])}
      where code = ${brand.code}`;
  }

  async unknown(codes: readonly string[]): Promise<string[]> {
    if (codes.length === 0) return [];
    const rows = await this.sql<{ code: string }[]>`select code from brands where code in ${this.sql(codes)}`;
    const known = new Set(rows.map((r) => r.code));
    return codes.filter((c) => !known.has(c));
  }
}
