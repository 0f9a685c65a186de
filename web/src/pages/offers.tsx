import { timestampDate } from "@bufbuild/protobuf/wkt";
import { useMutation, useQuery } from "@connectrpc/connect-query";
import { useQueryClient } from "@tanstack/react-query";
import { useMemo, useState } from "react";
import { CatalogService } from "../../../gen/shopfloor/catalog/v1/catalog_pb.js";
import { OffersService, RegistrationState } from "../../../gen/shopfloor/offers/v1/offers_pb.js";
import { TimeChart } from "../chart.js";
import { readable } from "../errors.js";
import { currencyDigits, enumWord, formatMoney, formatTime } from "../format.js";
import { FormError, Loading, useAction } from "../ui.js";

/** A product's live offers from the Offers service (as Shopfloor last stored them) and its price history. */
export function OffersPage() {
  const [query, setQuery] = useState("");
  const [productId, setProductId] = useState<string>();
  const products = useQuery(CatalogService.method.listProducts, { query, pageSize: 10 });
  return (
    <section>
      <h1>Offers</h1>
      <div className="columns">
        <div>
          <label>
            Product{" "}
            <input
              type="search"
              value={query}
              onChange={(e) => setQuery(e.target.value)}
              placeholder="search"
            />
          </label>
          <ul className="pick-list">
            {products.data?.products.map((p) => (
              <li key={p.id}>
                <button
                  type="button"
                  className={p.id === productId ? "link selected" : "link"}
                  onClick={() => setProductId(p.id)}
                >
                  {p.name}
                </button>
              </li>
            ))}
          </ul>
        </div>
        {productId ? <ProductOffers productId={productId} /> : <p className="hint">Choose a product.</p>}
      </div>
    </section>
  );
}

function ProductOffers({ productId }: { productId: string }) {
  const client = useQueryClient();
  const { error, run } = useAction();
  const offers = useQuery(OffersService.method.listProductOffers, { productId, pageSize: 50 });
  const registration = useQuery(OffersService.method.getOfferRegistration, { productId });
  const history = useQuery(OffersService.method.getOfferPriceHistory, { productId });
  const refresh = useMutation(OffersService.method.refreshOffers);
  const points = history.data?.points ?? [];
  const currency = points[0]?.minPrice?.currencyCode ?? "EUR";
  const scale = 10 ** currencyDigits(currency);
  const chart = useMemo(
    () => ({
      x: points.map((p) => (p.time ? timestampDate(p.time).getTime() / 1000 : 0)),
      series: [
        {
          label: `Lowest (${currency})`,
          color: "#2454d6",
          values: points.map((p) => (p.minPrice ? Number(p.minPrice.amountMinor) / scale : null)),
        },
        {
          label: `Highest (${currency})`,
          color: "#b42318",
          values: points.map((p) => (p.maxPrice ? Number(p.maxPrice.amountMinor) / scale : null)),
        },
      ],
    }),
    [points, currency, scale],
  );
  const r = registration.data?.registration;
  return (
    <div>
      <p>
        Registration:{" "}
        <strong data-testid="registration">{r ? enumWord(RegistrationState[r.state]) : "unknown"}</strong>
        {r?.lastError ? ` · last error: ${r.lastError}` : ""} · refreshed{" "}
        {formatTime(offers.data?.refreshTime)}{" "}
        <button
          type="button"
          disabled={refresh.isPending}
          onClick={async () => {
            await run(async () => {
              await refresh.mutateAsync({ productId });
              await client.invalidateQueries();
            });
          }}
        >
          {refresh.isPending ? "Refreshing…" : "Refresh now"}
        </button>
      </p>
      <FormError error={error} />
      <h2>Price history</h2>
      {history.isPending ? <Loading what="price history" /> : null}
      {points.length > 0 ? (
        <TimeChart x={chart.x} series={chart.series} label="lowest and highest offer price over time" />
      ) : (
        <p className="hint">No history yet.</p>
      )}
      <h2>Current offers (cheapest first)</h2>
      {offers.error ? <FormError error={readable(offers.error)} /> : null}
      <div className="table-wrap">
        <table>
          <thead>
            <tr>
              <th className="num">Price</th>
              <th className="num">Items in stock</th>
              <th>Seen since</th>
            </tr>
          </thead>
          <tbody>
            {offers.data?.offers.map((o) => (
              <tr key={o.id}>
                <td className="num">{formatMoney(o.price)}</td>
                <td className="num">{o.itemsInStock}</td>
                <td>{formatTime(o.firstSeenTime)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </div>
  );
}
