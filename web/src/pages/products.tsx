import { useMutation, useQuery } from "@connectrpc/connect-query";
import { useQueryClient } from "@tanstack/react-query";
import { type FormEvent, useState } from "react";
import { Link } from "wouter";
import { CatalogService } from "../../../gen/shopfloor/catalog/v1/catalog_pb.js";
import { readable } from "../errors.js";
import { formatMoney, parseAmount } from "../format.js";
import { Field, FormError, Loading, Pager, useAction, usePager } from "../ui.js";
import { useCategories } from "./use-categories.js";

/** The shop currency, as the products already priced in it say (SHOP_CURRENCY); EUR before the first one. */
export function useShopCurrency(): string {
  const q = useQuery(CatalogService.method.listProducts, { pageSize: 1 });
  return q.data?.products[0]?.price?.currencyCode ?? "EUR";
}

export function ProductsPage() {
  const [query, setQuery] = useState("");
  const [categoryId, setCategoryId] = useState("");
  const [orderBy, setOrderBy] = useState("name");
  const pager = usePager();
  const { categories, nameOf } = useCategories();
  const list = useQuery(CatalogService.method.listProducts, {
    query,
    categoryId,
    orderBy,
    pageSize: 20,
    pageToken: pager.token,
  });
  return (
    <section>
      <h1>Products</h1>
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
            placeholder="name or description"
          />
        </label>
        <label>
          Category{" "}
          <select
            value={categoryId}
            onChange={(e) => {
              setCategoryId(e.target.value);
              pager.reset();
            }}
          >
            <option value="">All</option>
            {categories.map((c) => (
              <option key={c.id} value={c.id}>
                {c.name}
              </option>
            ))}
          </select>
        </label>
        <label>
          Sort{" "}
          <select
            value={orderBy}
            onChange={(e) => {
              setOrderBy(e.target.value);
              pager.reset();
            }}
          >
            <option value="name">Name A–Z</option>
            <option value="name desc">Name Z–A</option>
            <option value="price">Price, lowest first</option>
            <option value="price desc">Price, highest first</option>
            <option value="create_time desc">Newest first</option>
            <option value="create_time">Oldest first</option>
          </select>
        </label>
      </search>
      {list.isPending ? <Loading what="products" /> : null}
      {list.error ? <FormError error={readable(list.error)} /> : null}
      <div className="table-wrap">
        <table>
          <thead>
            <tr>
              <th>Name</th>
              <th>Category</th>
              <th className="num">Price</th>
              <th className="num">In stock</th>
            </tr>
          </thead>
          <tbody>
            {list.data?.products.map((p) => (
              <tr key={p.id}>
                <td>
                  <Link href={`/products/${p.id}`}>{p.name}</Link>
                </td>
                <td>{nameOf(p.categoryId)}</td>
                <td className="num">{formatMoney(p.price)}</td>
                <td className="num">{p.stockQuantity}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <Pager pager={pager} nextToken={list.data?.nextPageToken} />
      <CreateProductForm />
    </section>
  );
}

export const PRICE_FIELDS = ["price", "price.amount_minor", "price.currency_code"];

function CreateProductForm() {
  const client = useQueryClient();
  const { categories } = useCategories();
  const currency = useShopCurrency();
  const [name, setName] = useState("");
  const [description, setDescription] = useState("");
  const [categoryId, setCategoryId] = useState("");
  const [price, setPrice] = useState("");
  const [stock, setStock] = useState("0");
  const { error, setError, run } = useAction();
  const [created, setCreated] = useState<string>();
  const create = useMutation(CatalogService.method.createProduct);
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    const amount = parseAmount(price, currency);
    if (amount === undefined) {
      setError({ message: "Please correct the price.", fields: { "price.amount_minor": "not an amount" } });
      return;
    }
    await run(async () => {
      const r = await create.mutateAsync({
        name,
        description,
        categoryId,
        price: { currencyCode: currency, amountMinor: amount },
        initialStock: Number.parseInt(stock, 10) || 0,
      });
      setCreated(r.product?.name);
      setName("");
      setDescription("");
      setPrice("");
      setStock("0");
      await client.invalidateQueries();
    });
  };
  return (
    <form className="card" onSubmit={submit} aria-label="new product">
      <h2>New product</h2>
      <Field label="Name" name="name" error={error}>
        {(id, d) => (
          <input id={id} aria-describedby={d} value={name} onChange={(e) => setName(e.target.value)} />
        )}
      </Field>
      <Field label="Description" name="description" error={error}>
        {(id, d) => (
          <textarea
            id={id}
            aria-describedby={d}
            value={description}
            onChange={(e) => setDescription(e.target.value)}
          />
        )}
      </Field>
      <Field label="Category" name="category_id" error={error}>
        {(id, d) => (
          <select
            id={id}
            aria-describedby={d}
            value={categoryId}
            onChange={(e) => setCategoryId(e.target.value)}
          >
            <option value="">Choose…</option>
            {categories.map((c) => (
              <option key={c.id} value={c.id}>
                {c.name}
              </option>
            ))}
          </select>
        )}
      </Field>
      <Field label={`Price (${currency})`} name={PRICE_FIELDS} error={error}>
        {(id, d) => (
          <input
            id={id}
            aria-describedby={d}
            inputMode="decimal"
            value={price}
            onChange={(e) => setPrice(e.target.value)}
          />
        )}
      </Field>
      <Field label="Initial stock" name="initial_stock" error={error}>
        {(id, d) => (
          <input
            id={id}
            aria-describedby={d}
            type="number"
            min={0}
            value={stock}
            onChange={(e) => setStock(e.target.value)}
          />
        )}
      </Field>
      <FormError
        error={error}
        shown={["name", "description", "category_id", ...PRICE_FIELDS, "initial_stock"]}
      />
      <button type="submit" disabled={create.isPending}>
        {create.isPending ? "Creating…" : "Create product"}
      </button>
      {created ? <p role="status">Created “{created}”.</p> : null}
    </form>
  );
}
