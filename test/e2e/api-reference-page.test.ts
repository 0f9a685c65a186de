import { type Browser, chromium } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestApp, type TestApp } from "../support/test-app.js";

// /docs in a real browser (Debian's chromium, driven by playwright-core): the reference renders every
// service's operations and a bearer token field, and no request leaves this machine (everything is served
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

  it("renders the operations offline, with a bearer token field, asking nothing of another host", async () => {
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
    expect(leftTheMachine).toEqual([]);
    await page.close();
  }, 120_000);
});
