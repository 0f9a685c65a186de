import { useQuery } from "@connectrpc/connect-query";
import { CatalogService } from "../../../gen/shopfloor/catalog/v1/catalog_pb.js";

/** The first 100 categories, for pickers and for naming a product's category. */
export function useCategories() {
  const q = useQuery(CatalogService.method.listCategories, { pageSize: 100 });
  const categories = q.data?.categories ?? [];
  const nameOf = (id: string) => categories.find((c) => c.id === id)?.name ?? id;
  return { categories, nameOf, query: q };
}
