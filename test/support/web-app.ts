import { execFileSync } from "node:child_process";
import { mkdirSync } from "node:fs";
import path from "node:path";
import type { FastifyInstance } from "fastify";
import type { Browser, Page } from "playwright-core";
import type { User } from "../../src/access/index.js";
import { buildApp } from "../../src/api/app.js";
import type { RequestContext } from "../../src/kernel/actor.js";
import { systemClock } from "../../src/kernel/clock.js";
import type { Deps } from "../../src/kernel/deps.js";
import { GUIDE_DIR, launchChromium, OUTPUT_DIR, ROOT } from "./browser.js";
import { freshDatabase } from "./database.js";

/**
 * What the browser tests of the usage screens share: the real server and
 * built web app on a fresh database, a Chromium page on it, screenshots for
 * the guide, signing in, and calling the API as an integration would.
 */

export const PASSWORD = "correct horse battery staple";

export interface WebApp {
  app: FastifyInstance;
  deps: Deps;
  baseUrl: string;
  browser: Browser;
  page: Page;
  close(): Promise<void>;
}

/** The app listening on a free port, its web build up to date, and a 1440×900 page in en-US. */
export async function startWebApp(options: { timezoneId?: string } = {}): Promise<WebApp> {
  execFileSync("node", [path.join(ROOT, "scripts/ensure-web-build.mjs")], { cwd: ROOT, stdio: "inherit" });
  mkdirSync(OUTPUT_DIR, { recursive: true });
  mkdirSync(GUIDE_DIR, { recursive: true });
  const { db } = await freshDatabase();
  const deps: Deps = { db, clock: systemClock };
  const app = await buildApp({ ...deps, config: { webDistDir: path.join(ROOT, "web/dist") } });
  const baseUrl = await app.listen({ host: "127.0.0.1", port: 0 });
  const browser = await launchChromium();
  const context = await browser.newContext({
    viewport: { width: 1440, height: 900 },
    locale: "en-US",
    ...(options.timezoneId === undefined ? {} : { timezoneId: options.timezoneId }),
  });
  const page = await context.newPage();
  page.setDefaultTimeout(30_000);
  page.on("pageerror", (error) => console.error(`[browser] ${error.message}`));
  page.on("console", (message) => {
    if (message.type() === "error") console.error(`[browser console] ${message.text()}`);
  });
  return {
    app,
    deps,
    baseUrl,
    browser,
    page,
    close: async () => {
      await browser.close();
      await app.close();
    },
  };
}

/**
 * A screenshot of every step into test-output/e2e; with `guide` also into
 * docs/guide/img when ACCRUE_UPDATE_SCREENSHOTS=1. `fullPage: false` keeps a
 * long page to the window, so the fixed header is not drawn over its middle.
 */
export async function shoot(
  page: Page,
  name: string,
  options: { guide?: boolean; fullPage?: boolean } = {},
): Promise<void> {
  await page.waitForLoadState("networkidle", { timeout: 5_000 }).catch(() => undefined);
  if (options.guide === true) {
    await page.waitForFunction(() => document.querySelectorAll(".mantine-Notification-root").length === 0, null, {
      timeout: 10_000,
    });
  }
  await page.waitForTimeout(350);
  const fullPage = options.fullPage ?? true;
  await page.screenshot({ path: path.join(OUTPUT_DIR, `${name}.png`), fullPage });
  if (options.guide === true && process.env.ACCRUE_UPDATE_SCREENSHOTS === "1")
    await page.screenshot({ path: path.join(GUIDE_DIR, `${name}.png`), fullPage });
}

/** Waits for the address to change; the page's data may still be loading. */
export async function arrive(page: Page, url: RegExp): Promise<void> {
  await page.waitForURL(url, { waitUntil: "commit" });
}

/** Signs in on the login page a signed-out visit was sent to. */
export async function signIn(page: Page, email: string, password = PASSWORD): Promise<void> {
  await arrive(page, /\/login/);
  await page.getByLabel("Email").fill(email);
  await page.locator('input[name="password"]').fill(password);
  await page.getByRole("button", { name: "Sign in" }).click();
}

export function userContext(who: User, requestId: string): RequestContext {
  return {
    actor: { type: "user", id: who.id, role: who.role, user_id: who.id, display_name: who.name },
    request_id: requestId,
  };
}

/** Calls the API with an API key, as a warehouse system would; a non-2xx answer throws with its body. */
export function apiCaller(baseUrl: string, apiKey: string) {
  return async <T>(method: string, route: string, body?: unknown): Promise<T> => {
    const response = await fetch(`${baseUrl}${route}`, {
      method,
      headers: { authorization: `Bearer ${apiKey}`, "content-type": "application/json" },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const payload = (await response.json()) as T;
    if (!response.ok) throw new Error(`${method} ${route}: ${response.status} ${JSON.stringify(payload)}`);
    return payload;
  };
}
