import type { Logger } from "pino";
import { createCategory } from "../domain/catalog/create-category.js";
import { createProduct } from "../domain/catalog/create-product.js";
import type { CatalogDeps } from "../domain/catalog/ports.js";
import { createAccount } from "../domain/identity/create-account.js";
import type { IdentityDeps } from "../domain/identity/ports.js";
import { AlreadyExists } from "../domain/shared/errors.js";

// Demo data for the embedded default: a small catalog and a customer to try orders with. Loaded through the
// ordinary use cases (so it has its ledger rows and events) and only into a database with no categories yet.

export const DEMO_CUSTOMER = {
  email: "customer@shopfloor.local",
  username: "customer",
  password: "Shopfloor-Demo-Customer-1",
} as const;

/** Partner users to try the manufacturing flow with (docs/manufacturing.md): an office and a Škoda plant. */
export const DEMO_OFFICE = {
  email: "office@shopfloor.local",
  username: "office",
  password: "Shopfloor-Demo-Office-1",
  officeCode: "DEMO-PRG",
} as const;
export const DEMO_FACTORY = {
  email: "factory@shopfloor.local",
  username: "factory",
  password: "Shopfloor-Demo-Factory-1",
  brands: ["skoda"],
} as const;

const CATALOG: ReadonlyArray<{
  slug: string;
  name: string;
  description: string;
  products: ReadonlyArray<[name: string, description: string, priceMinor: number, stock: number]>;
}> = [
  {
    slug: "tools",
    name: "Tools",
    description: "Hand and power tools for the workshop.",
    products: [
      ["Cordless drill 18 V", "Two-speed drill driver with two 2 Ah batteries and a charger.", 12_900, 25],
      ["Claw hammer 450 g", "Forged steel head, fibreglass handle.", 1_990, 120],
      ['Socket set 1/2"', "24 sockets from 10 to 32 mm with a ratchet and extension.", 5_450, 8],
      ["Spirit level 60 cm", "Aluminium frame, three vials, magnetic base.", 2_490, 3],
    ],
  },
  {
    slug: "safety",
    name: "Safety",
    description: "Protective equipment for the shop floor.",
    products: [
      ["Safety glasses", "Anti-fog, anti-scratch polycarbonate lenses (EN 166).", 890, 300],
      ["Ear defenders", "SNR 30 dB, adjustable headband.", 1_750, 40],
      ["Work gloves, size 10", "Nitrile-coated, cut level B.", 650, 0],
    ],
  },
  {
    slug: "fasteners",
    name: "Fasteners",
    description: "Screws, bolts and anchors by the box.",
    products: [
      ["Wood screws 4x40 (200)", "Torx drive, yellow zinc, partial thread.", 990, 500],
      ["Wall plugs 8 mm (100)", "Nylon plugs for concrete and brick.", 540, 60],
    ],
  },
];

export async function loadDemoData(
  deps: { readonly identity: IdentityDeps; readonly catalog: CatalogDeps; readonly logger: Logger },
  adminId: string,
): Promise<void> {
  const existing = await deps.catalog.categories.list({ limit: 1 });
  if (existing.length > 0) return;
  const demoAccounts = [
    { ...DEMO_CUSTOMER, role: "CUSTOMER" as const },
    { ...DEMO_OFFICE, role: "REGIONAL_OFFICE" as const },
    { ...DEMO_FACTORY, brands: [...DEMO_FACTORY.brands], role: "MANUFACTURER" as const },
  ];
  for (const account of demoAccounts) {
    await createAccount(deps.identity, account).catch((error: unknown) => {
      if (!(error instanceof AlreadyExists)) throw error;
    });
  }
  for (const category of CATALOG) {
    const created = await createCategory(deps.catalog, category);
    for (const [name, description, amountMinor, stock] of category.products) {
      await createProduct(deps.catalog, {
        name,
        description,
        categoryId: created.id,
        price: { currencyCode: deps.catalog.shopCurrency, amountMinor },
        initialStock: stock,
        actorId: adminId,
      });
    }
  }
  deps.logger.info({ categories: CATALOG.length }, "demo data loaded");
}
