import type { Page } from "../shared/page.js";
import { pageSizeOf } from "../shared/page-size.js";
import { openCursor, sealedPage } from "../shared/page-tokens.js";
import { Violations } from "../shared/violations.js";
import type { Category } from "./category.js";
import type { CatalogDeps } from "./ports.js";

export interface ListCategoriesCommand {
  readonly pageSize: number;
  readonly pageToken: string;
}

const SCOPE = JSON.stringify(["catalog.categories"]);

/** Every category, by slug. */
export async function listCategories(
  deps: Pick<CatalogDeps, "categories" | "pageTokens">,
  command: ListCategoriesCommand,
): Promise<Page<Category>> {
  const v = new Violations();
  const size = pageSizeOf(v, "page_size", command.pageSize);
  v.throwIfAny();
  const cursor = openCursor(deps.pageTokens, "page_token", SCOPE, command.pageToken, ["string"] as const);
  const rows = await deps.categories.list({ limit: size + 1, afterSlug: cursor?.[0] });
  return sealedPage(deps.pageTokens, SCOPE, rows, size, (last) => [last.slug]);
}
