import { create } from "@bufbuild/protobuf";
import { FieldMaskSchema } from "@bufbuild/protobuf/wkt";
import { useMutation, useQuery } from "@connectrpc/connect-query";
import { useQueryClient } from "@tanstack/react-query";
import { type FormEvent, useEffect, useState } from "react";
import { Link, useParams } from "wouter";
import { CatalogService, type Product } from "../../../gen/shopfloor/catalog/v1/catalog_pb.js";
import { readable } from "../errors.js";
import { amountText, formatMoney, formatTime, parseAmount } from "../format.js";
import { Field, FormError, Loading, Pager, useAction, usePager } from "../ui.js";
import { PRICE_FIELDS } from "./products.js";
import { useCategories } from "./use-categories.js";

export function ProductDetailPage() {
  const { id = "" } = useParams<{ id: string }>();
  const product = useQuery(CatalogService.method.getProduct, { productId: id });
  if (product.isPending) return <Loading what="the product" />;
  if (product.error || !product.data.product) return <FormError error={readable(product.error)} />;
  const p = product.data.product;
  return (
    <section>
      <p>
        <Link href="/products">← Products</Link>
      </p>
      <h1>
        {p.name} {p.archived ? <span className="badge">archived</span> : null}
      </h1>
      <p>
        {formatMoney(p.price)} · <strong data-testid="stock">{p.stockQuantity}</strong> in stock · created{" "}
        {formatTime(p.createTime)}
      </p>
      <div className="columns">
        <EditProductForm product={p} />
        <AdjustStockForm product={p} />
      </div>
      <Ledger productId={p.id} />
    </section>
  );
}

function EditProductForm({ product }: { product: Product }) {
  const client = useQueryClient();
  const { categories } = useCategories();
  const [name, setName] = useState(product.name);
  const [description, setDescription] = useState(product.description);
  const [categoryId, setCategoryId] = useState(product.categoryId);
  const [price, setPrice] = useState(amountText(product.price));
  const { error, setError, run } = useAction();
  const [saved, setSaved] = useState(false);
  const update = useMutation(CatalogService.method.updateProduct);
  const archive = useMutation(CatalogService.method.archiveProduct);
  useEffect(() => {
    setName(product.name);
    setDescription(product.description);
    setCategoryId(product.categoryId);
    setPrice(amountText(product.price));
  }, [product]);
  const currency = product.price?.currencyCode ?? "EUR";
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setSaved(false);
    // Only the fields that changed go in the mask, so a concurrent edit of another field is not overwritten.
    const paths: string[] = [];
    if (name !== product.name) paths.push("name");
    if (description !== product.description) paths.push("description");
    if (categoryId !== product.categoryId) paths.push("category_id");
    const amount = parseAmount(price, currency);
    if (amount === undefined) {
      setError({ message: "Please correct the price.", fields: { price: "not an amount" } });
      return;
    }
    if (amount !== product.price?.amountMinor) paths.push("price");
    if (paths.length === 0) return;
    await run(async () => {
      await update.mutateAsync({
        product: {
          id: product.id,
          name,
          description,
          categoryId,
          price: { currencyCode: currency, amountMinor: amount },
        },
        updateMask: create(FieldMaskSchema, { paths }),
      });
      setSaved(true);
      await client.invalidateQueries();
    });
  };
  return (
    <form className="card" onSubmit={submit} aria-label="edit product">
      <h2>Details</h2>
      <Field label="Name" name={["name", "product.name"]} error={error}>
        {(id, d) => (
          <input id={id} aria-describedby={d} value={name} onChange={(e) => setName(e.target.value)} />
        )}
      </Field>
      <Field label="Description" name={["description", "product.description"]} error={error}>
        {(id, d) => (
          <textarea
            id={id}
            aria-describedby={d}
            value={description}
            onChange={(e) => setDescription(e.target.value)}
          />
        )}
      </Field>
      <Field label="Category" name={["category_id", "product.category_id"]} error={error}>
        {(id, d) => (
          <select
            id={id}
            aria-describedby={d}
            value={categoryId}
            onChange={(e) => setCategoryId(e.target.value)}
          >
            {categories.map((c) => (
              <option key={c.id} value={c.id}>
                {c.name}
              </option>
            ))}
          </select>
        )}
      </Field>
      <Field
        label={`Price (${currency})`}
        name={[...PRICE_FIELDS, "product.price", "product.price.amount_minor"]}
        error={error}
      >
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
      <FormError error={error} />
      <div className="actions">
        <button type="submit" disabled={update.isPending}>
          Save changes
        </button>
        {!product.archived ? (
          <button
            type="button"
            className="danger"
            disabled={archive.isPending}
            onClick={async () => {
              if (!window.confirm(`Archive “${product.name}”? It can no longer be ordered.`)) return;
              await run(async () => {
                await archive.mutateAsync({ productId: product.id });
                await client.invalidateQueries();
              });
            }}
          >
            Archive
          </button>
        ) : null}
      </div>
      {saved ? <p role="status">Saved.</p> : null}
    </form>
  );
}

function AdjustStockForm({ product }: { product: Product }) {
  const client = useQueryClient();
  const [delta, setDelta] = useState("");
  const [reason, setReason] = useState("");
  const { error, run } = useAction();
  const adjust = useMutation(CatalogService.method.adjustStock);
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    await run(async () => {
      await adjust.mutateAsync({ productId: product.id, delta: Number.parseInt(delta, 10) || 0, reason });
      setDelta("");
      setReason("");
      await client.invalidateQueries();
    });
  };
  return (
    <form className="card" onSubmit={submit} aria-label="adjust stock">
      <h2>Adjust stock</h2>
      <Field label="Change (+ adds, − removes)" name="delta" error={error}>
        {(id, d) => (
          <input
            id={id}
            aria-describedby={d}
            type="number"
            value={delta}
            onChange={(e) => setDelta(e.target.value)}
          />
        )}
      </Field>
      <Field label="Reason" name="reason" error={error}>
        {(id, d) => (
          <input id={id} aria-describedby={d} value={reason} onChange={(e) => setReason(e.target.value)} />
        )}
      </Field>
      <FormError error={error} shown={["delta", "reason"]} />
      <button type="submit" disabled={adjust.isPending}>
        Adjust
      </button>
    </form>
  );
}

function Ledger({ productId }: { productId: string }) {
  const pager = usePager();
  const ledger = useQuery(CatalogService.method.listStockMovements, {
    productId,
    pageSize: 20,
    pageToken: pager.token,
  });
  return (
    <section aria-label="stock ledger">
      <h2>Stock ledger</h2>
      {ledger.error ? <FormError error={readable(ledger.error)} /> : null}
      <div className="table-wrap">
        <table>
          <thead>
            <tr>
              <th>When</th>
              <th className="num">Change</th>
              <th className="num">Stock after</th>
              <th>Reason</th>
              <th>Reference</th>
            </tr>
          </thead>
          <tbody>
            {ledger.data?.movements.map((m) => (
              <tr key={m.id}>
                <td>{formatTime(m.createTime)}</td>
                <td className="num">{m.delta > 0 ? `+${m.delta}` : m.delta}</td>
                <td className="num">{m.resultingQuantity}</td>
                <td>{m.reason}</td>
                <td>{m.referenceId}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <Pager pager={pager} nextToken={ledger.data?.nextPageToken} />
    </section>
  );
}
