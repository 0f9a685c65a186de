import { useQuery } from "@connectrpc/connect-query";
import { useState } from "react";
import { Link } from "wouter";
import { CatalogService } from "../../../gen/shopfloor/catalog/v1/catalog_pb.js";
import { readable } from "../errors.js";
import { FormError, Loading, Pager, usePager } from "../ui.js";

export function LowStockPage() {
  const [threshold, setThreshold] = useState(5);
  const pager = usePager();
  const list = useQuery(CatalogService.method.listLowStock, {
    threshold,
    pageSize: 20,
    pageToken: pager.token,
  });
  return (
    <section>
      <h1>Low stock</h1>
      <div className="toolbar">
        <label>
          Fewer than{" "}
          <input
            type="number"
            min={1}
            value={threshold}
            onChange={(e) => {
              setThreshold(Math.max(1, Number.parseInt(e.target.value, 10) || 1));
              pager.reset();
            }}
          />{" "}
          units
        </label>
      </div>
      {list.isPending ? <Loading what="products" /> : null}
      {list.error ? <FormError error={readable(list.error)} /> : null}
      <div className="table-wrap">
        <table>
          <thead>
            <tr>
              <th>Product</th>
              <th className="num">In stock</th>
            </tr>
          </thead>
          <tbody>
            {list.data?.products.map((p) => (
              <tr key={p.id}>
                <td>
                  <Link href={`/products/${p.id}`}>{p.name}</Link>
                </td>
                <td className="num">{p.stockQuantity}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <Pager pager={pager} nextToken={list.data?.nextPageToken} />
    </section>
  );
}
