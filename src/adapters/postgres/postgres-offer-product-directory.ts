import type { ProductDirectory } from "../../domain/offers/ports.js";
import type { SqlExecutor } from "./database.js";

/** The offers context's read of the catalog's products table: what registering a product needs. */
export class PostgresOfferProductDirectory implements ProductDirectory {
  constructor(private readonly sql: SqlExecutor) {}

  async find(productId: string) {
    const [row] = await this.sql<{ id: string; name: string; description: string; archived: boolean }[]>`
      select id, name, description, archived from products where id = ${productId}`;
    return row;
  }
}
