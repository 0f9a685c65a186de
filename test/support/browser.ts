import { execFileSync } from "node:child_process";
import { mkdirSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { type Browser, chromium } from "playwright-core";

// A real browser for the console suites: Debian's chromium (`.ci/run` installs it), driven by playwright-core.
// Playwright's own browser download does not work on these machines, so the executable is given.

export const CHROMIUM_PATH = process.env.CHROMIUM_PATH || "/usr/bin/chromium";
const ROOT = fileURLToPath(new URL("../../", import.meta.url));
/** Screenshots the suites take, for people to look at; not committed (.gitignore). */
export const ARTIFACTS_DIR = `${ROOT}test-artifacts`;

export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM_PATH,
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-background-networking",
      "--disable-component-update",
      "--no-first-run",
    ],
  });
}

/** Builds dist/console when it is missing or older than web/ (what npm install and npm start do too). */
export function ensureConsoleBuilt(): void {
  execFileSync(process.execPath, [`${ROOT}scripts/build-console.mjs`], { stdio: "inherit" });
}

export function artifactPath(name: string): string {
  mkdirSync(ARTIFACTS_DIR, { recursive: true });
  return `${ARTIFACTS_DIR}/${name}`;
}
