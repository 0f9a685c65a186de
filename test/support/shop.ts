import type { CallOptions } from "@connectrpc/connect";
import { CatalogService, type Product } from "../../gen/shopfloor/catalog/v1/catalog_pb.js";
import { IdentityService, Role } from "../../gen/shopfloor/identity/v1/identity_pb.js";
import { bearer, clientFor, type Endpoints } from "./clients.js";
import { TEST_ADMIN, uniqueName } from "./test-app.js";

// What the ordering suites need of the other contexts, through their public APIs: signed-in users and
// products with stock.

export interface SignedIn {
  readonly userId: string;
  readonly call: CallOptions;
}

export async function signInAdmin(app: Endpoints): Promise<SignedIn> {
  const session = await clientFor("connect", IdentityService, app).login({
    login: TEST_ADMIN.email,
    password: TEST_ADMIN.password,
  });
  return { userId: session.user?.id ?? "", call: bearer(session.accessToken) };
}

export async function registerCustomer(app: Endpoints): Promise<SignedIn> {
  const identity = clientFor("connect", IdentityService, app);
  const username = uniqueName("c_");
  const password = "long enough password";
  await identity.register({ email: `${username}@example.com`, username, password });
  const session = await identity.login({ login: username, password });
  return { userId: session.user?.id ?? "", call: bearer(session.accessToken) };
}

export const eur = (amountMinor: number | bigint) => ({
  currencyCode: "EUR",
  amountMinor: BigInt(amountMinor),
});

/** Makes products in a new category, each with its stock and price. */
export async function createProducts(
  app: Endpoints,
  admin: SignedIn,
  specs: ReadonlyArray<{ readonly stock: number; readonly price?: number }>,
): Promise<Product[]> {
  const catalog = clientFor("connect", CatalogService, app);
  const slug = uniqueName("cat-");
  const { category } = await catalog.createCategory({ slug, name: slug, description: "" }, admin.call);
  const products: Product[] = [];
  for (const spec of specs) {
    const { product } = await catalog.createProduct(
      {
        name: uniqueName("Product "),
        description: "",
        categoryId: category?.id ?? "",
        price: eur(spec.price ?? 1000),
        initialStock: spec.stock,
      },
      admin.call,
    );
    if (!product) throw new Error("no product");
    products.push(product);
  }
  return products;
}

/** A new user of `role` (a partner or another admin), created by the admin and signed in. */
/** The office code or brands CreateUser requires of a partner role (a fresh office, the skoda brand). */
export function partnerScopeOf(role: Role): { officeCode?: string; brands?: string[] } {
  if (role === Role.REGIONAL_OFFICE)
    return {
      officeCode: uniqueName("OFF-")
        .toUpperCase()
        .replace(/[^A-Z0-9-]/g, ""),
    };
  if (role === Role.MANUFACTURER) return { brands: ["skoda"] };
  return {};
}

export async function signInNewUser(
  app: Endpoints,
  admin: SignedIn,
  role: Role,
  scope: { officeCode?: string; brands?: string[] } = partnerScopeOf(role),
): Promise<SignedIn> {
  const identity = clientFor("connect", IdentityService, app);
  const username = uniqueName("p_");
  const password = "long enough password";
  await identity.createUser(
    { email: `${username}@example.com`, username, password, role, ...scope },
    admin.call,
  );
  const session = await identity.login({ login: username, password });
  return { userId: session.user?.id ?? "", call: bearer(session.accessToken) };
}
