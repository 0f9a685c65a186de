import { fromBinary } from "@bufbuild/protobuf";
import { type CallOptions, Code } from "@connectrpc/connect";
import postgres from "postgres";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CatalogService, type Product } from "../../gen/shopfloor/catalog/v1/catalog_pb.js";
import { BadRequestSchema } from "../../gen/shopfloor/common/v1/common_pb.js";
import { ProductCreatedSchema, StockChangedSchema } from "../../gen/shopfloor/events/v1/events_pb.js";
import { IdentityService, Role } from "../../gen/shopfloor/identity/v1/identity_pb.js";
import { PostgresProductRepository } from "../../src/adapters/postgres/postgres-product-repository.js";
import {
  bearer,
  clientFor,
  closeGrpcClients,
  expectCode,
  SURFACES,
  type Surface,
} from "../support/clients.js";
import { partnerScopeOf } from "../support/shop.js";
import { startTestApp, TEST_ADMIN, type TestApp, uniqueName } from "../support/test-app.js";

let app: TestApp;
/** Call options of a signed-in user of each role, and of nobody. */
const as: Record<"admin" | "customer" | "office" | "manufacturer" | "anonymous", CallOptions> = {
  admin: {},
  customer: {},
  office: {},
  manufacturer: {},
  anonymous: {},
};

beforeAll(async () => {
  app = await startTestApp();
  const identity = clientFor("connect", IdentityService, app);
  const admin = await identity.login({ login: TEST_ADMIN.email, password: TEST_ADMIN.password });
  as.admin = bearer(admin.accessToken);
  const signIn = async (role: Role) => {
    const username = uniqueName("u_");
    const account = { email: `${username}@example.com`, username, password: "long enough password" };
    if (role === Role.CUSTOMER) await identity.register(account);
    else await identity.createUser({ ...account, role, ...partnerScopeOf(role) }, as.admin);
    return bearer((await identity.login({ login: username, password: account.password })).accessToken);
  };
  as.customer = await signIn(Role.CUSTOMER);
  as.office = await signIn(Role.REGIONAL_OFFICE);
  as.manufacturer = await signIn(Role.MANUFACTURER);
});

afterAll(async () => {
  closeGrpcClients();
  await app?.stop();
  await app?.database.drop();
});

const eur = (amountMinor: number | bigint) => ({ currencyCode: "EUR", amountMinor: BigInt(amountMinor) });

const countRows = async () => {
  const [row] = await app.sql<{ products: number; categories: number; movements: number }[]>`
    select (select count(*) from products) as products, (select count(*) from categories) as categories,
           (select count(*) from stock_movements) as movements`;
  return row;
};

describe.each(SURFACES)("CatalogService over %s", (surface: Surface) => {
  const catalog = () => clientFor(surface, CatalogService, app);
  const newCategory = async () => {
    const slug = uniqueName("cat-");
    const { category } = await catalog().createCategory(
      { slug, name: `Category ${slug}`, description: "" },
      as.admin,
    );
    if (!category) throw new Error("no category");
    return category;
  };
  const newProduct = async (
    categoryId: string,
    init: { price?: number; stock?: number; name?: string } = {},
  ) => {
    const { product } = await catalog().createProduct(
      {
        name: init.name ?? uniqueName("Product "),
        description: "Sturdy and reliable",
        categoryId,
        price: eur(init.price ?? 1999),
        initialStock: init.stock ?? 10,
      },
      as.admin,
    );
    if (!product) throw new Error("no product");
    return product;
  };

  it("creates categories with unique slugs and lists them to any signed-in user", async () => {
    const category = await newCategory();
    expect(category.id).toMatch(/^[0-9a-f-]{36}$/);
    await expectCode(
      catalog().createCategory({ slug: category.slug, name: "Again", description: "" }, as.admin),
      Code.AlreadyExists,
    );
    const slugs: string[] = [];
    let pageToken = "";
    do {
      const page = await catalog().listCategories({ pageSize: 100, pageToken }, as.customer);
      slugs.push(...page.categories.map((c) => c.slug));
      pageToken = page.nextPageToken;
    } while (pageToken);
    expect(slugs).toContain(category.slug);
    expect(slugs).toEqual([...slugs].sort());
  });

  it("creates a product carrying every field, readable and listed with its stock", async () => {
    const category = await newCategory();
    const created = await newProduct(category.id, { price: 2500, stock: 7 });
    expect(created).toMatchObject({
      categoryId: category.id,
      price: { currencyCode: "EUR", amountMinor: 2500n },
      stockQuantity: 7,
      archived: false,
      description: "Sturdy and reliable",
    });
    expect(created.createTime).toBeDefined();

    const { product } = await catalog().getProduct({ productId: created.id }, as.customer);
    expect(product).toEqual(created);
    const listed = await catalog().listProducts({ categoryId: category.id }, as.customer);
    expect(listed.products).toEqual([created]);
    expect(listed.nextPageToken).toBe("");
  });

  it("records product and stock events in the outbox with the change", async () => {
    const category = await newCategory();
    const product = await newProduct(category.id, { stock: 3 });
    await catalog().adjustStock({ productId: product.id, delta: -1, reason: "damaged" }, as.admin);
    const rows = await app.sql<{ type: string; payload: Uint8Array }[]>`
      select type, payload from outbox where aggregate_id = ${product.id} order by seq`;
    expect(rows.map((r) => r.type)).toEqual([
      "catalog.product_created",
      "catalog.stock_changed",
      "catalog.stock_changed",
    ]);
    expect(fromBinary(ProductCreatedSchema, rows[0]?.payload as Uint8Array)).toMatchObject({
      productId: product.id,
      price: { amountMinor: 1999n, currencyCode: "EUR" },
      stockQuantity: 3,
    });
    expect(fromBinary(StockChangedSchema, rows[2]?.payload as Uint8Array)).toMatchObject({
      productId: product.id,
      delta: -1,
      stockQuantity: 2,
      reason: "damaged",
    });
  });

  it("updates exactly the fields in the update mask", async () => {
    const category = await newCategory();
    const other = await newCategory();
    const product = await newProduct(category.id, { price: 100 });
    const { product: updated } = await catalog().updateProduct(
      {
        product: {
          id: product.id,
          name: "Renamed",
          description: "ignored",
          categoryId: other.id,
          price: eur(5),
        },
        updateMask: { paths: ["name", "category_id"] },
      },
      as.admin,
    );
    expect(updated).toMatchObject({
      name: "Renamed",
      description: product.description,
      categoryId: other.id,
      price: { amountMinor: 100n },
      stockQuantity: product.stockQuantity,
    });
    for (const paths of [["stock_quantity"], ["nmae"], [], ["archived"]]) {
      await expectCode(
        catalog().updateProduct(
          { product: { id: product.id, stockQuantity: 1 }, updateMask: { paths } },
          as.admin,
        ),
        Code.InvalidArgument,
      );
    }
    expect((await catalog().getProduct({ productId: product.id }, as.admin)).product).toEqual(updated);
  });

  it("archives a product: no longer listed, still readable by id", async () => {
    const category = await newCategory();
    const kept = await newProduct(category.id);
    const gone = await newProduct(category.id);
    const { product: archived } = await catalog().archiveProduct({ productId: gone.id }, as.admin);
    expect(archived?.archived).toBe(true);
    const listed = await catalog().listProducts({ categoryId: category.id }, as.customer);
    expect(listed.products.map((p) => p.id)).toEqual([kept.id]);
    expect((await catalog().getProduct({ productId: gone.id }, as.customer)).product?.archived).toBe(true);
    await expectCode(
      catalog().getProduct({ productId: "0190f0e0-0000-7000-8000-00000000dead" }, as.customer),
      Code.NotFound,
    );
  });

  it("adjusts stock through the ledger and refuses to go below zero, changing nothing", async () => {
    const category = await newCategory();
    const product = await newProduct(category.id, { stock: 5 });
    const { product: after } = await catalog().adjustStock(
      { productId: product.id, delta: -5, reason: "sold at the fair" },
      as.admin,
    );
    expect(after?.stockQuantity).toBe(0);
    const before = await countRows();
    const refused = await expectCode(
      catalog().adjustStock({ productId: product.id, delta: -1, reason: "oops" }, as.admin),
      Code.FailedPrecondition,
    );
    expect(refused.rawMessage).toContain("insufficient stock");
    expect(await countRows()).toEqual(before);
    await catalog().adjustStock({ productId: product.id, delta: 12, reason: "delivery" }, as.admin);

    const { movements } = await catalog().listStockMovements({ productId: product.id }, as.admin);
    expect(movements.map((m) => [m.delta, m.resultingQuantity, m.reason])).toEqual([
      [12, 12, "delivery"],
      [-5, 0, "sold at the fair"],
      [5, 5, "initial stock"],
    ]);
    expect(movements.every((m) => m.actorId.length === 36)).toBe(true);
    await expectCode(
      catalog().adjustStock({ productId: product.id, delta: 0, reason: "nothing" }, as.admin),
      Code.InvalidArgument,
    );
  });

  it("lists low stock, lowest first, paged", async () => {
    const category = await newCategory();
    const made = await Promise.all([0, 4, 1, 9].map((stock) => newProduct(category.id, { stock })));
    const ids = new Set(made.map((p) => p.id));
    const seen: Product[] = [];
    let pageToken = "";
    do {
      const page = await catalog().listLowStock({ threshold: 5, pageSize: 2, pageToken }, as.admin);
      seen.push(...page.products.filter((p) => ids.has(p.id)));
      pageToken = page.nextPageToken;
    } while (pageToken);
    expect(seen.map((p) => p.stockQuantity)).toEqual([0, 1, 4]);
    await expectCode(catalog().listLowStock({ threshold: 0 }, as.admin), Code.InvalidArgument);
  });

  it("pages products by price with tokens bound to their query, stable while products are added", async () => {
    const category = await newCategory();
    for (const price of [500, 100, 300, 200, 400])
      await newProduct(category.id, { price, name: `P${price}` });
    const query = { categoryId: category.id, orderBy: "price desc", pageSize: 2 };
    const first = await catalog().listProducts(query, as.customer);
    expect(first.products.map((p) => p.price?.amountMinor)).toEqual([500n, 400n]);
    await newProduct(category.id, { price: 450 });
    const second = await catalog().listProducts({ ...query, pageToken: first.nextPageToken }, as.customer);
    expect(second.products.map((p) => p.price?.amountMinor)).toEqual([300n, 200n]);
    const third = await catalog().listProducts({ ...query, pageToken: second.nextPageToken }, as.customer);
    expect(third.products.map((p) => p.price?.amountMinor)).toEqual([100n]);
    expect(third.nextPageToken).toBe("");

    const token = first.nextPageToken;
    const otherQuery = await expectCode(
      catalog().listProducts({ ...query, orderBy: "price asc", pageToken: token }, as.customer),
      Code.InvalidArgument,
    );
    expect(otherQuery.rawMessage).toContain("different query");
    for (const bad of [
      token.slice(0, -2),
      `x${token}`,
      token.replace(/.\./, (m) => `${m[0] === "A" ? "B" : "A"}.`),
    ]) {
      await expectCode(
        catalog().listProducts({ ...query, pageToken: bad }, as.customer),
        Code.InvalidArgument,
      );
    }
  });

  it("finds products by text in name or description, case-insensitively", async () => {
    const category = await newCategory();
    const word = uniqueName("zq");
    const hit = await newProduct(category.id, { name: `The ${word.toUpperCase()} drill` });
    await newProduct(category.id);
    const { products } = await catalog().listProducts(
      { query: word, orderBy: "create_time desc" },
      as.customer,
    );
    expect(products.map((p) => p.id)).toEqual([hit.id]);
  });

  it("answers hostile input with INVALID_ARGUMENT and writes nothing", async () => {
    const category = await newCategory();
    const product = await newProduct(category.id);
    const before = await countRows();
    const valid = { name: "Valid", description: "", categoryId: category.id, price: eur(1), initialStock: 1 };
    const create = (overrides: object) => catalog().createProduct({ ...valid, ...overrides }, as.admin);

    const negative = await expectCode(create({ price: eur(-1) }), Code.InvalidArgument);
    if (surface === "connect") {
      expect(negative.findDetails(BadRequestSchema)[0]?.fieldViolations.map((v) => v.field)).toEqual([
        "price.amount_minor",
      ]);
    }
    await expectCode(create({ price: eur(2n ** 62n) }), Code.InvalidArgument);
    await expectCode(create({ price: { currencyCode: "USD", amountMinor: 100n } }), Code.InvalidArgument);
    await expectCode(create({ price: undefined }), Code.InvalidArgument);
    await expectCode(create({ initialStock: -5 }), Code.InvalidArgument);
    await expectCode(create({ name: "x".repeat(300_000) }), Code.InvalidArgument);
    await expectCode(create({ name: "tab\tin name" }), Code.InvalidArgument);
    await expectCode(create({ name: "nul\u0000" }), Code.InvalidArgument);
    await expectCode(create({ description: "\u001b[2J" }), Code.InvalidArgument);
    await expectCode(create({ categoryId: "1 or 1=1" }), Code.InvalidArgument);
    await expectCode(create({ categoryId: "0190f0e0-0000-7000-8000-00000000dead" }), Code.InvalidArgument);
    await expectCode(
      catalog().createCategory(
        { slug: "Robert'); DROP TABLE categories;--", name: "x", description: "" },
        as.admin,
      ),
      Code.InvalidArgument,
    );
    // Over the 1 MiB request cap (SPEC §6) a body is refused by the transport before it is read.
    await expectCode(create({ name: "x".repeat(10 * 1024 * 1024) }), Code.ResourceExhausted);

    for (const pageSize of [-1, 1_000_000, 2 ** 31 - 1]) {
      await expectCode(catalog().listProducts({ pageSize }, as.customer), Code.InvalidArgument);
    }
    expect(
      (await catalog().listProducts({ pageSize: 500 }, as.customer)).products.length,
    ).toBeLessThanOrEqual(100);
    for (const orderBy of ["price; drop table products", "price desc, (select 1)", "stock_quantity", "id"]) {
      await expectCode(catalog().listProducts({ orderBy }, as.customer), Code.InvalidArgument);
    }
    for (const pageToken of ["garbage", "a".repeat(5000), "e30.AAAA"]) {
      await expectCode(catalog().listProducts({ pageToken }, as.customer), Code.InvalidArgument);
    }
    for (const productId of ["", "42", "../etc/passwd", "0190f0e0-0000-7000-8000-00000000dead'"]) {
      await expectCode(catalog().getProduct({ productId }, as.customer), Code.InvalidArgument);
      await expectCode(
        catalog().adjustStock({ productId, delta: 1, reason: "x" }, as.admin),
        Code.InvalidArgument,
      );
    }
    await expectCode(catalog().listProducts({ categoryId: "tools" }, as.customer), Code.InvalidArgument);
    await expectCode(catalog().listProducts({ query: "a\u0000b" }, as.customer), Code.InvalidArgument);
    await expectCode(
      catalog().adjustStock({ productId: product.id, delta: 5, reason: "\u0000" }, as.admin),
      Code.InvalidArgument,
    );
    await expectCode(
      catalog().updateProduct(
        { product: { id: product.id, price: eur(-3) }, updateMask: { paths: ["price"] } },
        as.admin,
      ),
      Code.InvalidArgument,
    );
    expect(await countRows()).toEqual(before);
    expect((await catalog().getProduct({ productId: product.id }, as.admin)).product).toEqual(product);
  });
});

describe("CatalogService authorization", () => {
  // Declared here independently of ACCESS_POLICY, so a wrong entry there fails this matrix.
  const ADMIN_ONLY = [
    "createCategory",
    "createProduct",
    "updateProduct",
    "archiveProduct",
    "adjustStock",
    "listStockMovements",
    "listLowStock",
  ];
  const SIGNED_IN = ["listCategories", "getProduct", "listProducts"];
  const ROLES = ["admin", "customer", "office", "manufacturer", "anonymous"] as const;

  it("covers every CatalogService RPC in the matrix", () => {
    expect(CatalogService.methods.map((m) => m.localName).sort()).toEqual(
      [...ADMIN_ONLY, ...SIGNED_IN].sort(),
    );
  });

  describe.each(SURFACES)("over %s", (surface) => {
    const cases = CatalogService.methods.flatMap((method) =>
      ROLES.map((role) => [method.localName, role] as const),
    );
    it.each(cases)("%s as %s", async (method, role) => {
      const client = clientFor(surface, CatalogService, app) as unknown as Record<
        string,
        (req: object, options: CallOptions) => Promise<unknown>
      >;
      // Empty requests: an allowed caller gets past authorization (and is then refused as invalid or not found),
      // so nothing is written by this matrix.
      const call = client[method]?.({}, as[role]) ?? Promise.reject(new Error(`no method ${method}`));
      const allowed = role === "admin" || (role !== "anonymous" && SIGNED_IN.includes(method));
      if (role === "anonymous") await expectCode(call, Code.Unauthenticated);
      else if (!allowed) await expectCode(call, Code.PermissionDenied);
      else {
        const outcome = await call.then(
          () => "ok",
          (e: { code?: Code }) => e.code,
        );
        expect([Code.PermissionDenied, Code.Unauthenticated]).not.toContain(outcome);
      }
    });
  });
});

describe("ListProducts on 100,000 products", () => {
  const CATEGORIES = 10;
  let categoryIds: string[] = [];

  beforeAll(async () => {
    categoryIds = Array.from(
      { length: CATEGORIES },
      (_, i) => `0190f0e0-0000-7000-8000-${String(i).padStart(12, "0")}`,
    );
    await app.sql`
      insert into categories (id, slug, name, description, create_time)
      select id::uuid, 'bulk-' || n, 'Bulk ' || n, '', now()
      from unnest(${app.sql.array(categoryIds)}::text[]) with ordinality as c(id, n)`;
    // One statement seeds the table, as a real catalog of this size would look to the planner.
    await app.sql`
      insert into products (id, category_id, name, description, price_minor, currency_code, stock_quantity,
                            archived, create_time, update_time)
      select gen_random_uuid(), (${app.sql.array(categoryIds)}::uuid[])[1 + g % ${CATEGORIES}],
             'Bulk product ' || g, 'Seeded for the plan test', (g * 7919) % 100000, 'EUR', g % 50,
             g % 20 = 0, now() - g * interval '1 second', now()
      from generate_series(1, 100000) as g`;
    await app.sql`analyze products`;
  }, 120_000);

  it("answers a filtered, price-sorted page over the API", async () => {
    const catalog = clientFor("connect", CatalogService, app);
    const query = { categoryId: categoryIds[3], orderBy: "price", pageSize: 20 };
    const first = await catalog.listProducts(query, as.customer);
    expect(first.products).toHaveLength(20);
    const prices = first.products.map((p) => Number(p.price?.amountMinor));
    expect(prices).toEqual([...prices].sort((a, b) => a - b));
    const second = await catalog.listProducts({ ...query, pageToken: first.nextPageToken }, as.customer);
    expect(Number(second.products[0]?.price?.amountMinor)).toBeGreaterThanOrEqual(prices[19] ?? 0);
  });

  it("costs one query that reads an index in order, with no sort and no sequential scan", async () => {
    // The repository's own SQL, captured as it runs, then explained with the same parameters.
    const issued: Array<{ query: string; parameters: unknown[] }> = [];
    const sql = postgres(app.database.url, {
      max: 1,
      onnotice: () => {},
      types: { bigint: { to: 20, from: [20], serialize: (v: number) => String(v), parse: Number } },
      debug: (_connection, query, parameters) => void issued.push({ query, parameters }),
    });
    try {
      // The first query on a connection also fetches array types; warm it up so only the list is counted.
      await sql`select 1`;
      const repository = new PostgresProductRepository(sql);
      const categoryId = categoryIds[5] as string;
      for (const direction of ["asc", "desc"] as const) {
        for (const after of [undefined, { value: 50_000, id: "0190f0e0-0000-7000-8000-000000000000" }]) {
          issued.length = 0;
          const rows = await repository.list({
            categoryId,
            sort: { key: "price", direction },
            after,
            limit: 21,
          });
          expect(rows.length).toBe(21);
          expect(issued).toHaveLength(1);
          const { query, parameters } = issued[0] as { query: string; parameters: unknown[] };
          const [explained] = await sql.unsafe(`explain (format json) ${query}`, parameters as never[]);
          const plan = (explained as unknown as { "QUERY PLAN": Array<{ Plan: PlanNode }> })["QUERY PLAN"][0]
            ?.Plan;
          const nodes = flatten(plan);
          const types = nodes.map((n) => n["Node Type"]);
          expect(types, JSON.stringify(plan)).not.toContain("Sort");
          expect(types).not.toContain("Seq Scan");
          expect(nodes.find((n) => n["Index Name"])?.["Index Name"]).toBe("products_category_price_idx");
          expect(types[0]).toBe("Limit");
        }
      }
    } finally {
      await sql.end();
    }
  });
});

interface PlanNode {
  "Node Type": string;
  "Index Name"?: string;
  Plans?: PlanNode[];
}

function flatten(node: PlanNode | undefined): PlanNode[] {
  if (!node) return [];
  return [node, ...(node.Plans ?? []).flatMap(flatten)];
}
