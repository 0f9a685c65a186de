import { checkText } from "../shared/text-rules.js";
import { Violations } from "../shared/violations.js";
import { CATEGORY_DESCRIPTION, CATEGORY_NAME, type Category, checkSlug } from "./category.js";
import type { CategoryCreated } from "./events.js";
import type { CatalogDeps } from "./ports.js";

export interface CreateCategoryCommand {
  readonly slug: string;
  readonly name: string;
  readonly description: string;
}

/** Creates a category; a taken slug is AlreadyExists (decided by the repository's unique index). */
export async function createCategory(deps: CatalogDeps, command: CreateCategoryCommand): Promise<Category> {
  const name = command.name.trim();
  const description = command.description.trim();
  const v = new Violations();
  checkSlug(v, "slug", command.slug);
  checkText(v, "name", name, CATEGORY_NAME);
  checkText(v, "description", description, CATEGORY_DESCRIPTION);
  v.throwIfAny();

  const now = deps.clock.now();
  const category: Category = { id: deps.ids.newId(), slug: command.slug, name, description, createTime: now };
  const event: CategoryCreated = {
    id: deps.ids.newId(),
    type: "catalog.category_created",
    aggregateId: category.id,
    occurredAt: now,
    payload: { category },
  };
  await deps.uow.run(async (tx) => {
    await tx.categories.insert(category);
    await tx.outbox.append(event);
  });
  return category;
}
