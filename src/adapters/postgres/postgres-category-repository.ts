import type { Category } from "../../domain/catalog/category.js";
import type { CategoryRepository } from "../../domain/catalog/ports.js";
import { AlreadyExists } from "../../domain/shared/errors.js";
import { isId } from "../../domain/shared/id-format.js";
import type { SqlExecutor } from "./database.js";
import { uniqueViolation } from "./unique-violation.js";

interface CategoryRow {
  id: string;
  slug: string;
  name: string;
  description: string;
  create_time: Date;
}

const toCategory = (r: CategoryRow): Category => ({
  id: r.id,
  slug: r.slug,
  name: r.name,
  description: r.description,
  createTime: r.create_time,
});

export class PostgresCategoryRepository implements CategoryRepository {
  constructor(private readonly sql: SqlExecutor) {}

  async insert(c: Category): Promise<void> {
    try {
      await this.sql`
        insert into categories (id, slug, name, description, create_time)
        values (${c.id}, ${c.slug}, ${c.name}, ${c.description}, ${c.createTime})`;
    } catch (error) {
      if (uniqueViolation(error) === "categories_slug_key")
        throw new AlreadyExists("slug: a category with this slug exists");
      throw error;
    }
  }

  async findById(id: string): Promise<Category | undefined> {
    if (!isId(id)) return undefined;
    const [row] = await this.sql<CategoryRow[]>`select * from categories where id = ${id}`;
    return row && toCategory(row);
  }

  async list(query: { limit: number; afterSlug?: string | undefined }): Promise<Category[]> {
    const { sql } = this;
    const rows = await sql<CategoryRow[]>`
      select * from categories
      ${query.afterSlug === undefined ? sql`` : sql`where slug > ${query.afterSlug}`}
      order by slug
      limit ${query.limit}`;
    return rows.map(toCategory);
  }
}
