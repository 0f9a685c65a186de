import { checkOptionalId } from "../shared/id-format.js";
import type { Page } from "../shared/page.js";
import { pageSizeOf } from "../shared/page-size.js";
import { openCursor, sealedPage } from "../shared/page-tokens.js";
import { checkText } from "../shared/text-rules.js";
import { Violations } from "../shared/violations.js";
import type { CatalogDeps } from "./ports.js";
import type { Product } from "./product.js";
import { parseProductSort, sortValueOf } from "./product-sort.js";

export interface ListProductsCommand {
  readonly pageSize: number;
  readonly pageToken: string;
  /** Empty: every category. */
  readonly categoryId: string;
  /** Empty: no text filter. */
  readonly query: string;
  readonly orderBy: string;
}

const QUERY_MAX = 200;

/**
 * The catalog as customers see it (archived products left out), keyset-paged on (sort key, id) so pages stay
 * stable while products are added. The page token is bound to the filters and the order it was made for.
 */
export async function listProducts(
  deps: Pick<CatalogDeps, "products" | "pageTokens">,
  command: ListProductsCommand,
): Promise<Page<Product>> {
  const v = new Violations();
  const size = pageSizeOf(v, "page_size", command.pageSize);
  const categoryId = checkOptionalId(v, "category_id", command.categoryId);
  const text = command.query.trim();
  if (text !== "") checkText(v, "query", text, { min: 1, max: QUERY_MAX });
  const sort = parseProductSort(v, "order_by", command.orderBy);
  v.throwIfAny();

  const scope = JSON.stringify(["catalog.products", categoryId ?? "", text, sort.key, sort.direction]);
  const kind = sort.key === "price" ? "number" : "string";
  const cursor = openCursor(deps.pageTokens, "page_token", scope, command.pageToken, [
    kind,
    "string",
  ] as const);
  const rows = await deps.products.list({
    categoryId,
    text: text || undefined,
    sort,
    after: cursor && { value: cursor[0], id: cursor[1] },
    limit: size + 1,
  });
  return sealedPage(deps.pageTokens, scope, rows, size, (last) => [sortValueOf(last, sort.key), last.id]);
}
