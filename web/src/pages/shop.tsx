import { useMutation, useQuery } from "@connectrpc/connect-query";
import { useQueryClient } from "@tanstack/react-query";
import { useMemo, useState } from "react";
import { Link } from "wouter";
import { CatalogService, type Product } from "../../../gen/shopfloor/catalog/v1/catalog_pb.js";
import { OrderService } from "../../../gen/shopfloor/ordering/v1/ordering_pb.js";
import { type ReadableError, readable } from "../errors.js";
import { formatMoney } from "../format.js";
import { FormError, Loading, Pager, useAction, usePager } from "../ui.js";

interface CartLine {
  readonly product: Product;
  readonly quantity: number;
}

/** Problems the server named per line ("items[2].quantity") -> the product of that line. */
function lineProblems(error: ReadableError | undefined, cart: readonly CartLine[]): Map<string, string> {
  const byProduct = new Map<string, string>();
  for (const [field, description] of Object.entries(error?.fields ?? {})) {
    const index = /^items\[(\d+)\]/.exec(field)?.[1];
    const line = index === undefined ? undefined : cart[Number(index)];
    if (line) byProduct.set(line.product.id, description);
  }
  return byProduct;
}

export function ShopPage() {
  const client = useQueryClient();
  const [query, setQuery] = useState("");
  const pager = usePager();
  const products = useQuery(CatalogService.method.listProducts, {
    query,
    orderBy: "name",
    pageSize: 12,
    pageToken: pager.token,
  });
  const [cart, setCart] = useState<CartLine[]>([]);
  const { error, run } = useAction();
  const [placed, setPlaced] = useState<string>();
  const place = useMutation(OrderService.method.placeOrder);
  // One idempotency key per attempt: the same cart sent again (a retry after a lost answer) reuses it, so it
  // is never ordered twice; any change to the cart is a new attempt with a new key.
  const cartKey = JSON.stringify(cart.map((l) => [l.product.id, l.quantity]));
  const idempotencyKey = useMemo(() => `${cartKey.length}-${crypto.randomUUID()}`, [cartKey]);
  const problems = lineProblems(error, cart);

  const add = (product: Product) =>
    setCart((c) => {
      setPlaced(undefined);
      const existing = c.find((l) => l.product.id === product.id);
      if (existing) return c.map((l) => (l === existing ? { ...l, quantity: l.quantity + 1 } : l));
      return [...c, { product, quantity: 1 }];
    });
  const setQuantity = (productId: string, quantity: number) =>
    setCart((c) =>
      quantity <= 0
        ? c.filter((l) => l.product.id !== productId)
        : c.map((l) => (l.product.id === productId ? { ...l, quantity } : l)),
    );
  const submit = async () => {
    await run(async () => {
      const r = await place.mutateAsync({
        items: cart.map((l) => ({ productId: l.product.id, quantity: l.quantity })),
        idempotencyKey,
      });
      setPlaced(r.order?.id);
      setCart([]);
      await client.invalidateQueries();
    });
  };
  return (
    <section className="shop">
      <div>
        <h1>Shop</h1>
        <search className="toolbar">
          <label>
            Search{" "}
            <input
              type="search"
              value={query}
              onChange={(e) => {
                setQuery(e.target.value);
                pager.reset();
              }}
            />
          </label>
        </search>
        {products.isPending ? <Loading what="products" /> : null}
        {products.error ? <FormError error={readable(products.error)} /> : null}
        <ul className="product-grid">
          {products.data?.products.map((p) => (
            <li key={p.id} className="card product-card">
              <h2>{p.name}</h2>
              <p>{p.description}</p>
              <p>
                <strong>{formatMoney(p.price)}</strong> ·{" "}
                {p.stockQuantity > 0 ? (
                  `${p.stockQuantity} in stock`
                ) : (
                  <span className="out">out of stock</span>
                )}
              </p>
              <button
                type="button"
                onClick={() => add(p)}
                disabled={p.stockQuantity === 0}
                aria-label={`Add ${p.name} to cart`}
              >
                Add to cart
              </button>
            </li>
          ))}
        </ul>
        <Pager pager={pager} nextToken={products.data?.nextPageToken} />
      </div>
      <aside className="card cart" aria-label="cart">
        <h2>Cart</h2>
        {cart.length === 0 ? <p>Your cart is empty.</p> : null}
        <ul>
          {cart.map((l) => (
            <li key={l.product.id} className={problems.has(l.product.id) ? "invalid" : ""}>
              <span>{l.product.name}</span>
              <input
                type="number"
                min={0}
                aria-label={`Quantity of ${l.product.name}`}
                value={l.quantity}
                onChange={(e) => setQuantity(l.product.id, Number.parseInt(e.target.value, 10) || 0)}
              />
              {problems.has(l.product.id) ? (
                <small className="field-error" role="alert">
                  {problems.get(l.product.id)}
                </small>
              ) : null}
            </li>
          ))}
        </ul>
        <FormError
          error={
            error && problems.size > 0
              ? {
                  message: "Some lines cannot be ordered as they are: change them and try again.",
                  fields: {},
                }
              : error
          }
        />
        <button type="button" onClick={() => void submit()} disabled={cart.length === 0 || place.isPending}>
          {place.isPending ? "Placing order…" : "Place order"}
        </button>
        {placed ? (
          <p role="status">
            Order placed. <Link href={`/my-orders/${placed}`}>Follow its status</Link>
          </p>
        ) : null}
      </aside>
    </section>
  );
}
