import type { PartnerClient } from "../../domain/identity/partner-client.js";
import type { PartnerClientRepository } from "../../domain/identity/ports.js";
import type { Role } from "../../domain/identity/role.js";
import { isId } from "../../domain/shared/id-format.js";
import type { SqlExecutor } from "./database.js";

interface PartnerClientRow {
  id: string;
  name: string;
  role: Role;
  office_code: string | null;
  brands: string[];
  secret_hash: string;
  disabled: boolean;
  create_time: Date;
  secret_create_time: Date;
}

const toClient = (r: PartnerClientRow): PartnerClient => ({
  id: r.id,
  name: r.name,
  role: r.role,
  officeCode: r.office_code ?? undefined,
  brands: r.brands,
  secretHash: r.secret_hash,
  disabled: r.disabled,
  createTime: r.create_time,
  secretCreateTime: r.secret_create_time,
});

export class PostgresPartnerClientRepository implements PartnerClientRepository {
  constructor(private readonly sql: SqlExecutor) {}

  async insert(c: PartnerClient): Promise<void> {
    await this.sql`
      insert into partner_clients
        (id, name, role, office_code, brands, secret_hash, disabled, create_time, secret_create_time)
      values (${c.id}, ${c.name}, ${c.role}, ${c.officeCode ?? null}, ${this.sql.json([...c.brands])},
              ${c.secretHash}, ${c.disabled}, ${c.createTime}, ${c.secretCreateTime})`;
  }

  async findById(id: string): Promise<PartnerClient | undefined> {
    if (!isId(id)) return undefined;
    const [row] = await this.sql<PartnerClientRow[]>`select * from partner_clients where id = ${id}`;
    return row && toClient(row);
  }

  async list(): Promise<PartnerClient[]> {
    const rows = await this.sql<PartnerClientRow[]>`select * from partner_clients order by id`;
    return rows.map(toClient);
  }

  async replaceSecret(id: string, secretHash: string, at: Date): Promise<PartnerClient | undefined> {
    if (!isId(id)) return undefined;
    const [row] = await this.sql<PartnerClientRow[]>`
      update partner_clients set secret_hash = ${secretHash}, secret_create_time = ${at}
      where id = ${id} returning *`;
    return row && toClient(row);
  }

  async disable(id: string): Promise<PartnerClient | undefined> {
    if (!isId(id)) return undefined;
    const [row] = await this.sql<PartnerClientRow[]>`
      update partner_clients set disabled = true where id = ${id} returning *`;
    return row && toClient(row);
  }
}
