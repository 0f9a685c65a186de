import { useMutation } from "@connectrpc/connect-query";
import { useQueryClient } from "@tanstack/react-query";
import { type FormEvent, useState } from "react";
import { CatalogService } from "../../../gen/shopfloor/catalog/v1/catalog_pb.js";
import { Field, FormError, Loading, useAction } from "../ui.js";
import { useCategories } from "./use-categories.js";

export function CategoriesPage() {
  const { categories, query } = useCategories();
  const client = useQueryClient();
  const [slug, setSlug] = useState("");
  const [name, setName] = useState("");
  const [description, setDescription] = useState("");
  const { error, run } = useAction();
  const create = useMutation(CatalogService.method.createCategory);
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    await run(async () => {
      await create.mutateAsync({ slug, name, description });
      setSlug("");
      setName("");
      setDescription("");
      await client.invalidateQueries();
    });
  };
  return (
    <section>
      <h1>Categories</h1>
      {query.isPending ? <Loading what="categories" /> : null}
      <div className="table-wrap">
        <table>
          <thead>
            <tr>
              <th>Name</th>
              <th>Slug</th>
              <th>Description</th>
            </tr>
          </thead>
          <tbody>
            {categories.map((c) => (
              <tr key={c.id}>
                <td>{c.name}</td>
                <td>
                  <code>{c.slug}</code>
                </td>
                <td>{c.description}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <form className="card" onSubmit={submit} aria-label="new category">
        <h2>New category</h2>
        <Field label="Slug" name="slug" error={error} hint="lower-case letters, digits and dashes">
          {(id, d) => (
            <input id={id} aria-describedby={d} value={slug} onChange={(e) => setSlug(e.target.value)} />
          )}
        </Field>
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
        <FormError error={error} shown={["slug", "name", "description"]} />
        <button type="submit" disabled={create.isPending}>
          Create category
        </button>
      </form>
    </section>
  );
}
