import { type Browser, chromium } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestApp, TEST_ADMIN, type TestApp } from "../support/test-app.js";

// /docs in a real browser (Debian's chromium, driven by playwright-core): the reference renders every
// service's operations and a bearer token field, "try it" calls this server with that token, and no request
// leaves this machine (everything is served
// from node_modules through the app itself).

const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
let app: TestApp;
let browser: Browser;

beforeAll(async () => {
  app = await startTestApp({ kind: "pglite" });
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-background-networking",
      "--disable-component-update",
      "--no-first-run",
    ],
  });
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await app?.stop();
});

describe("/docs", () => {
  it("is served with /openapi.json and /.well-known/jwks.json on the embedded default too", async () => {
    for (const path of ["/docs", "/docs/scalar.js", "/openapi.json", "/.well-known/jwks.json"])
      expect((await fetch(`${app.httpUrl}${path}`)).status, path).toBe(200);
  });

  it("renders the operations offline and tries one with a bearer token, asking nothing of another host", async () => {
    const page = await browser.newPage();
    const leftTheMachine: string[] = [];
    const served: string[] = [];
    await page.route("**/*", (route) => {
      const url = new URL(route.request().url());
      if (["127.0.0.1", "localhost", "[::1]"].includes(url.hostname) || url.protocol === "data:") {
        served.push(url.pathname);
        return route.continue();
      }
      leftTheMachine.push(url.href);
      return route.abort();
    });
    await page.goto(`${app.httpUrl}/docs`);
    // Operations of every service, by their summaries (the RPC names).
    for (const name of ["Login", "ListProducts", "PlaceOrder", "WatchOrder", "OAuth2 token endpoint"])
      await page.getByText(name, { exact: true }).first().waitFor({ timeout: 60_000 });
    await page
      .getByText(/bearer/i)
      .first()
      .waitFor({ timeout: 10_000 });
    expect(served).toEqual(expect.arrayContaining(["/docs", "/docs/scalar.js", "/openapi.json"]));

    // "Try it": the bearer token typed into the page goes with the request, straight to this server.
    const { accessToken } = (await (
      await fetch(`${app.httpUrl}/shopfloor.identity.v1.IdentityService/Login`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ login: TEST_ADMIN.email, password: TEST_ADMIN.password }),
      })
    ).json()) as { accessToken: string };
    await page
      .getByRole("button", { name: /test request/i })
      .first()
      .click();
    const tokenField = page.getByPlaceholder("Token").last();
    await tokenField.fill(accessToken);
    const sent = page.waitForRequest((r) => r.url().includes("/shopfloor.") && r.method() === "POST");
    await page.getByRole("button", { name: /^send/i }).first().click();
    const request = await sent;
    expect(new URL(request.url()).origin).toBe(new URL(app.httpUrl).origin);
    expect(request.headers().authorization).toBe(`Bearer ${accessToken}`);
    const response = await request.response();
    expect(response?.status()).not.toBe(401);

    expect(leftTheMachine).toEqual([]);
    await page.close();
  }, 120_000);
});
