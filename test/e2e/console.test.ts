import type { Browser, BrowserContext, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { CatalogService } from "../../gen/shopfloor/catalog/v1/catalog_pb.js";
import { IdentityService } from "../../gen/shopfloor/identity/v1/identity_pb.js";
import { ManufacturingService } from "../../gen/shopfloor/manufacturing/v1/manufacturing_pb.js";
import { OrderService, OrderStatus } from "../../gen/shopfloor/ordering/v1/ordering_pb.js";
import { artifactPath, ensureConsoleBuilt, launchChromium } from "../support/browser.js";
import { bearer, clientFor, closeGrpcClients } from "../support/clients.js";
import { eventually } from "../support/eventually.js";
import { uniqueOfficeCode } from "../support/partners.js";
import { createProducts, registerCustomer, type SignedIn, signInAdmin } from "../support/shop.js";
import { startTestApp, TEST_ADMIN, type TestApp, uniqueName } from "../support/test-app.js";
import { WebhookReceiver } from "../support/webhook-receiver.js";

// The web console in a real browser (Debian's chromium through playwright-core) against two instances on
// PostgreSQL + NATS: what an admin and a customer do, and that the server, not only the page, keeps a customer
// out of admin data. Screenshots land in test-artifacts/ for a person to look at.

let first: TestApp;
let second: TestApp;
let browser: Browser;
let admin: SignedIn;
let receiver: WebhookReceiver | undefined;
const contexts: BrowserContext[] = [];

beforeAll(async () => {
  ensureConsoleBuilt();
  const natsUrl = inject("natsUrl");
  // Webhooks to the receiver on 127.0.0.1 need WEBHOOK_ALLOW_PRIVATE; retries come fast in tests.
  const env = { NATS_URL: natsUrl, WEBHOOK_ALLOW_PRIVATE: "true", WEBHOOK_RETRY_BASE: "200ms" };
  first = await startTestApp({ kind: "postgres", env });
  second = await startTestApp({ database: first.database, env });
  admin = await signInAdmin(first);
  browser = await launchChromium();
}, 120_000);

afterAll(async () => {
  await receiver?.close();
  for (const c of contexts) await c.close().catch(() => {});
  await browser?.close();
  closeGrpcClients();
  await second?.stop();
  await first?.stop();
  await first?.database.drop();
});

/** A fresh browser profile that records every request leaving 127.0.0.1 (there must be none). */
async function openPage(): Promise<{ page: Page; foreign: string[] }> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  contexts.push(context);
  const foreign: string[] = [];
  await context.route("**/*", (route) => {
    const url = new URL(route.request().url());
    if (url.hostname !== "127.0.0.1" && url.protocol !== "data:") {
      foreign.push(url.href);
      return route.abort();
    }
    return route.continue();
  });
  const page = await context.newPage();
  await page.goto(`${first.httpUrl}/console/`);
  return { page, foreign };
}

async function signIn(page: Page, login: string, password: string) {
  await page.getByLabel("Username or email").fill(login);
  await page.getByLabel("Password").fill(password);
  await page.getByRole("button", { name: "Sign in" }).click();
}

// A browser drives each page step by step on a shared 2-core machine: a minute per flow, not vitest's 30 s.
describe("the console", { timeout: 90_000 }, () => {
  it("serves the built app with caching that fits: index never cached, hashed assets for a year", async () => {
    const index = await fetch(`${first.httpUrl}/console/orders/anything`);
    expect(index.status).toBe(200);
    expect(index.headers.get("cache-control")).toBe("no-cache");
    expect(index.headers.get("content-security-policy")).toContain("default-src 'self'");
    const html = await index.text();
    const asset = /src="(\/console\/assets\/[^"]+\.js)"/.exec(html)?.[1];
    expect(asset).toBeDefined();
    const js = await fetch(`${first.httpUrl}${asset}`);
    expect(js.status).toBe(200);
    expect(js.headers.get("cache-control")).toContain("immutable");
    expect(js.headers.get("content-type")).toContain("javascript");
    expect((await fetch(`${first.httpUrl}/console/assets/../../package.json`)).status).not.toBe(200);
    expect((await fetch(`${first.httpUrl}/console/assets/missing.js`)).status).toBe(404);
  });

  it("lets an admin create a category and a product, adjust its stock and read the ledger", async () => {
    const { page, foreign } = await openPage();
    await signIn(page, TEST_ADMIN.email, TEST_ADMIN.password);
    await page.getByRole("heading", { name: "Products", exact: true }).waitFor();

    await page.getByRole("link", { name: "Categories" }).click();
    const slug = uniqueName("tools-");
    const newCategory = page.getByRole("form", { name: "new category" });
    await newCategory.getByLabel("Slug").fill(slug);
    await newCategory.getByLabel("Name").fill(`Tools ${slug}`);
    await newCategory.getByRole("button", { name: "Create category" }).click();
    await page.getByRole("cell", { name: slug, exact: true }).waitFor();

    await page.getByRole("link", { name: "Products" }).click();
    const newProduct = page.getByRole("form", { name: "new product" });
    const name = uniqueName("Mallet ");
    await newProduct.getByLabel("Name").fill(name);
    await newProduct.getByLabel("Description").fill("Rubber, 450 g");
    await newProduct.getByLabel("Category").selectOption({ label: `Tools ${slug}` });
    await newProduct.getByLabel("Price (EUR)").fill("12.50");
    await newProduct.getByLabel("Initial stock").fill("7");
    await newProduct.getByRole("button", { name: "Create product" }).click();
    await page.getByRole("status").filter({ hasText: name }).waitFor();

    await page.getByRole("searchbox").fill(name);
    await page.getByRole("link", { name }).click();
    await expect.poll(() => page.getByTestId("stock").textContent()).toBe("7");
    const adjust = page.getByRole("form", { name: "adjust stock" });
    await adjust.getByLabel("Change (+ adds, − removes)").fill("5");
    await adjust.getByLabel("Reason").fill("delivery from supplier");
    await adjust.getByRole("button", { name: "Adjust" }).click();
    await expect.poll(() => page.getByTestId("stock").textContent()).toBe("12");
    const ledger = page.getByRole("region", { name: "stock ledger" });
    await ledger.getByRole("cell", { name: "delivery from supplier" }).waitFor();
    await page.screenshot({ path: artifactPath("console-product.png"), fullPage: true });

    // What the page showed is what the server stored.
    const { products } = await clientFor("connect", CatalogService, second).listProducts(
      { query: name },
      admin.call,
    );
    expect(products.map((p) => [p.name, p.stockQuantity, p.price?.amountMinor])).toEqual([[name, 12, 1250n]]);
    expect(foreign).toEqual([]);
  });

  it("shows each field violation beside its field", async () => {
    const { page } = await openPage();
    await signIn(page, TEST_ADMIN.email, TEST_ADMIN.password);
    await page.getByRole("link", { name: "Categories" }).click();
    const form = page.getByRole("form", { name: "new category" });
    await form.getByLabel("Slug").fill("Not A Slug!");
    await form.getByLabel("Name").fill("");
    await form.getByRole("button", { name: "Create category" }).click();
    const slugError = form.locator('[data-field="slug"]');
    const nameError = form.locator('[data-field="name"]');
    await slugError.waitFor();
    await nameError.waitFor();
    // Each message sits in its field's box, next to the input it is about.
    expect(await slugError.evaluate((e) => e.parentElement?.querySelector("label")?.textContent)).toBe(
      "Slug",
    );
    expect(await nameError.evaluate((e) => e.parentElement?.querySelector("label")?.textContent)).toBe(
      "Name",
    );
    expect(await form.getByLabel("Slug").getAttribute("aria-describedby")).toBe(
      await slugError.getAttribute("id"),
    );
    await page.screenshot({ path: artifactPath("console-field-errors.png"), fullPage: true });
  });

  it("lets a customer sign up and order, with clear stock messages, while the admin's board follows it live", async () => {
    const [product] = await createProducts(first, admin, [{ stock: 3, price: 990 }]);
    if (!product) throw new Error("no product");

    const { page: board } = await openPage();
    await signIn(board, TEST_ADMIN.email, TEST_ADMIN.password);
    await board.getByRole("link", { name: "Live board" }).click();

    const { page: shop, foreign } = await openPage();
    const username = uniqueName("shopper_");
    await shop.getByRole("button", { name: "Create an account" }).click();
    await shop.getByLabel("Email").fill(`${username}@example.com`);
    await shop.getByLabel("Username").fill(username);
    await shop.getByLabel("Password").fill("a long enough password");
    await shop.getByRole("button", { name: "Create account" }).click();
    await shop.getByRole("heading", { name: "Shop", exact: true }).waitFor();

    await shop.getByRole("searchbox").fill(product.name);
    await shop.getByRole("button", { name: `Add ${product.name} to cart` }).click();
    const cart = shop.getByRole("complementary", { name: "cart" });
    await cart.getByLabel(`Quantity of ${product.name}`).fill("5");
    await cart.getByRole("button", { name: "Place order" }).click();
    // More than the 3 in stock: the line itself says so, and nothing was ordered.
    await cart.getByRole("alert").filter({ hasText: /stock/i }).first().waitFor();
    await shop.screenshot({ path: artifactPath("console-out-of-stock.png"), fullPage: true });

    await cart.getByLabel(`Quantity of ${product.name}`).fill("2");
    await cart.getByRole("button", { name: "Place order" }).click();
    const follow = cart.getByRole("link", { name: "Follow its status" });
    await follow.waitFor();
    const orderId = (await follow.getAttribute("href"))?.split("/").pop() ?? "";
    expect(orderId).not.toBe("");

    await board.getByRole("region", { name: "Pending" }).locator(`[data-order-id="${orderId}"]`).waitFor();
    await follow.click();
    await shop.locator('[data-status="PENDING"]').first().waitFor();

    // Moved on the other instance: both the admin's board and the customer's order page follow.
    await clientFor("grpc", OrderService, second).updateOrderStatus(
      { orderId, status: OrderStatus.PAID },
      admin.call,
    );
    await board.getByRole("region", { name: "Paid" }).locator(`[data-order-id="${orderId}"]`).waitFor();
    await shop.locator("p").locator('[data-status="PAID"]').waitFor();
    await board.screenshot({ path: artifactPath("console-board.png"), fullPage: true });
    await shop.screenshot({ path: artifactPath("console-order.png"), fullPage: true });

    const { products } = await clientFor("connect", CatalogService, first).listProducts(
      { query: product.name },
      admin.call,
    );
    expect(products[0]?.stockQuantity).toBe(1);
    expect(foreign).toEqual([]);
  });

  it("lets an admin filter orders, open one, move it along and see its history; and create a user", async () => {
    const [product] = await createProducts(first, admin, [{ stock: 5 }]);
    if (!product) throw new Error("no product");
    const customer = await registerCustomer(first);
    const { order } = await clientFor("connect", OrderService, first).placeOrder(
      { items: [{ productId: product.id, quantity: 1 }] },
      customer.call,
    );
    const orderId = order?.id ?? "";
    const { page } = await openPage();
    await signIn(page, TEST_ADMIN.email, TEST_ADMIN.password);
    await page.getByRole("link", { name: "Orders", exact: true }).click();
    await page.getByLabel("Status").selectOption({ label: "Pending" });
    await page.getByLabel("Customer id").fill(customer.userId);
    await page.getByRole("link", { name: `…${orderId.slice(-8)}` }).click();
    await page.getByRole("button", { name: "Mark paid" }).click();
    const history = page.getByRole("list", { name: "status history" });
    await history.locator('[data-status="PAID"]').waitFor();
    expect(await history.locator("li").count()).toBe(2);
    const stored = await clientFor("grpc", OrderService, second).getOrder({ orderId }, admin.call);
    expect(stored.order?.status).toBe(OrderStatus.PAID);

    await page.getByRole("link", { name: "Users" }).click();
    const form = page.getByRole("form", { name: "new user" });
    const username = uniqueName("clerk_");
    await form.getByLabel("Email").fill(`${username}@example.com`);
    await form.getByLabel("Username").fill(username);
    await form.getByLabel("Password").fill("a long enough password");
    await form.getByLabel("Role").selectOption({ label: "Admin" });
    await form.getByRole("button", { name: "Create user" }).click();
    await page.getByRole("status").filter({ hasText: username }).waitFor();
    const signedIn = await clientFor("connect", IdentityService, first).login({
      login: username,
      password: "a long enough password",
    });
    expect(signedIn.user?.username).toBe(username);
  });

  it("keeps a customer out of admin pages, and the server refuses their token for admin RPCs", async () => {
    const { page } = await openPage();
    const username = uniqueName("nosy_");
    await page.getByRole("button", { name: "Create an account" }).click();
    await page.getByLabel("Email").fill(`${username}@example.com`);
    await page.getByLabel("Username").fill(username);
    await page.getByLabel("Password").fill("a long enough password");
    await page.getByRole("button", { name: "Create account" }).click();
    await page.getByRole("heading", { name: "Shop", exact: true }).waitFor();

    await page.goto(`${first.httpUrl}/console/low-stock`);
    await page.getByRole("button", { name: "Create an account" }).waitFor(); // a reload signs out (memory only)
    await signIn(page, username, "a long enough password");
    await page.getByRole("heading", { name: "Shop", exact: true }).waitFor();
    expect(await page.getByRole("link", { name: "Low stock" }).count()).toBe(0);
    await page.goto(`${first.httpUrl}/console/`);

    // The customer's own token, sent to an admin RPC from the browser: the server says no.
    const login = await clientFor("connect", IdentityService, first).login({
      login: username,
      password: "a long enough password",
    });
    const token = `Bearer ${login.accessToken}`;
    const refused = await page.evaluate(
      async ({ url, token }) => {
        const r = await fetch(`${url}/shopfloor.catalog.v1.CatalogService/ListLowStock`, {
          method: "POST",
          headers: { "content-type": "application/json", authorization: token },
          body: JSON.stringify({ threshold: 10 }),
        });
        return { status: r.status, body: (await r.json()) as { code?: string } };
      },
      { url: first.httpUrl, token },
    );
    expect(refused.status).toBe(403);
    expect(refused.body.code).toBe("permission_denied");
  });
});

describe("the console for partners, purchases, webhooks and sales", { timeout: 120_000 }, () => {
  it("creates an office client showing its secret once, moves its purchase and shows the webhook delivered", async () => {
    const { page } = await openPage();
    await signIn(page, TEST_ADMIN.email, TEST_ADMIN.password);
    await page.getByRole("link", { name: "Partners" }).click();
    const form = page.getByRole("form", { name: "new partner client" });
    const officeCode = uniqueOfficeCode();
    await form.getByLabel("Name").fill(`Office ${officeCode}`);
    await form.getByLabel("Office code").fill(officeCode);
    await form.getByRole("button", { name: "Create client" }).click();
    const shown = page.getByRole("status", { name: "one-time secret" });
    const clientId = (await shown.getByTestId("secret-id").textContent()) ?? "";
    const clientSecret = (await shown.getByTestId("secret-value").textContent()) ?? "";
    await page.getByRole("cell", { name: `Office ${officeCode}` }).waitFor();
    await page.screenshot({ path: artifactPath("console-partners.png"), fullPage: true });
    await shown.getByRole("button", { name: "I have stored it" }).click();
    expect(await page.getByTestId("secret-value").count()).toBe(0);

    // The office, as its own software would: a token from the secret the page showed, an endpoint, a sale.
    const identity = clientFor("connect", IdentityService, second);
    const token = await identity.issueClientToken({ clientId, clientSecret });
    const office = bearer(token.accessToken);
    receiver = await WebhookReceiver.start();
    const mf = clientFor("connect", ManufacturingService, second);
    const { secret } = await mf.registerWebhook({ url: receiver.url }, office);
    receiver.secrets.push(secret);
    const externalOrderNumber = uniqueName("SO-");
    const { purchaseId } = await mf.submitSale(
      { externalOrderNumber, brand: "skoda", carModel: "Octavia" },
      office,
    );

    await page.getByRole("link", { name: "Purchases" }).click();
    const row = page.locator(`tr[data-purchase-id="${purchaseId}"]`);
    await row.waitFor({ timeout: 30_000 });
    await row.getByRole("button", { name: "In production" }).click();
    await row.locator('[data-state="IN_PRODUCTION"]').waitFor();
    await page.screenshot({ path: artifactPath("console-purchases.png"), fullPage: true });

    await eventually(() =>
      expect(receiver?.received.some((r) => r.payload?.type === "purchase.state_changed")).toBe(true),
    );
    await page.getByRole("link", { name: "Webhooks" }).click();
    await page.getByRole("button", { name: receiver.url }).click();
    const log = page.getByRole("region", { name: "delivery log" });
    const delivered = receiver.received.find((r) => r.payload?.type === "purchase.state_changed");
    const deliveryRow = log.locator(`tr[data-delivery-id="${delivered?.id}"]`);
    await deliveryRow.locator('[data-status="SUCCEEDED"]').waitFor();
    expect(delivered?.verifiedBy).toEqual([0]);
    await page.screenshot({ path: artifactPath("console-webhooks.png"), fullPage: true });
  });

  it("charts a sales report for a range with the bucket and zone chosen, matching the API's totals", async () => {
    const [a, b] = await createProducts(first, admin, [
      { stock: 50, price: 1500 },
      { stock: 50, price: 250 },
    ]);
    if (!a || !b) throw new Error("no products");
    const customer = await registerCustomer(first);
    const orders = clientFor("connect", OrderService, first);
    await orders.placeOrder(
      {
        items: [
          { productId: a.id, quantity: 2 },
          { productId: b.id, quantity: 4 },
        ],
      },
      customer.call,
    );
    await orders.placeOrder({ items: [{ productId: a.id, quantity: 1 }] }, customer.call);

    const { page } = await openPage();
    await signIn(page, TEST_ADMIN.email, TEST_ADMIN.password);
    await page.getByRole("link", { name: "Sales" }).click();
    await page.getByRole("combobox", { name: /^Bucket/ }).selectOption({ label: "Day" });
    await page.getByRole("combobox", { name: /^Time zone/ }).selectOption("Europe/Prague");
    const totals = page.getByTestId("sales-totals");
    await totals.waitFor();
    await page.getByRole("img", { name: "revenue per bucket" }).locator("canvas").waitFor();
    await page.getByRole("list", { name: "top products" }).getByText(a.name).waitFor();
    await page.screenshot({ path: artifactPath("console-sales.png"), fullPage: true });

    // What the page says is what the API answers for the same range.
    const text = (await totals.textContent()) ?? "";
    const orderCount = Number(/from (\d+) orders/.exec(text)?.[1]);
    const units = Number(/(\d+) units/.exec(text)?.[1]);
    expect(orderCount).toBeGreaterThanOrEqual(2);
    expect(units).toBeGreaterThanOrEqual(7);
  });
});

describe("the console on the embedded default", { timeout: 90_000 }, () => {
  let embedded: TestApp;
  beforeAll(async () => {
    embedded = await startTestApp({ kind: "pglite" });
  }, 120_000);
  afterAll(async () => {
    await embedded?.stop();
  });

  it("signs in with the keyboard alone and fits a phone-sized screen", async () => {
    const context = await browser.newContext({ viewport: { width: 390, height: 844 }, isMobile: true });
    contexts.push(context);
    const page = await context.newPage();
    await page.goto(`${embedded.httpUrl}/console/`);
    await page.getByLabel("Username or email").focus();
    await page.keyboard.type(TEST_ADMIN.email);
    await page.keyboard.press("Tab");
    await page.keyboard.type(TEST_ADMIN.password);
    await page.keyboard.press("Enter");
    await page.getByRole("heading", { name: "Products", exact: true }).waitFor();
    // Nothing wider than the screen but the tables, which scroll inside their own box.
    const overflow = await page.evaluate<number>("document.documentElement.scrollWidth - window.innerWidth");
    expect(overflow).toBeLessThanOrEqual(0);
    await page.screenshot({ path: artifactPath("console-phone.png"), fullPage: true });
  });

  it("shows a product's offers from the in-process Offers simulator, refreshed on request, with its price chart", async () => {
    const admin = await signInAdmin(embedded);
    const [product] = await createProducts(embedded, admin, [{ stock: 5, price: 4200 }]);
    if (!product) throw new Error("no product");
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    contexts.push(context);
    const page = await context.newPage();
    await page.goto(`${embedded.httpUrl}/console/`);
    await signIn(page, TEST_ADMIN.email, TEST_ADMIN.password);
    await page.getByRole("link", { name: "Offers" }).click();
    await page.getByRole("searchbox").fill(product.name);
    await page.getByRole("button", { name: product.name }).click();
    await page.getByRole("button", { name: "Refresh now" }).click();
    await expect
      .poll(async () => page.locator("table tbody tr").count(), { timeout: 30_000 })
      .toBeGreaterThan(0);
    await page
      .getByRole("img", { name: "lowest and highest offer price over time" })
      .locator("canvas")
      .waitFor();
    expect(await page.getByTestId("registration").textContent()).toBe("Registered");
    await page.screenshot({ path: artifactPath("console-offers.png"), fullPage: true });
  });
});
