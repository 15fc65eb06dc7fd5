import { execFileSync } from "node:child_process";
import { mkdirSync } from "node:fs";
import path from "node:path";
import type { FastifyInstance } from "fastify";
import type { Browser, Page } from "playwright-core";
import { Temporal } from "temporal-polyfill";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createApiKey, createUser } from "../../src/access/index.js";
import { buildApp } from "../../src/api/app.js";
import { systemContext } from "../../src/kernel/actor.js";
import { type Clock, systemClock } from "../../src/kernel/clock.js";
import type { Deps } from "../../src/kernel/deps.js";
import { GUIDE_DIR, launchChromium, OUTPUT_DIR, ROOT } from "../support/browser.js";
import { freshDatabase } from "../support/database.js";

/**
 * Customers, the catalog and subscriptions in the web app, driven by Chromium
 * against the real server on a fresh database. The server's clock stands
 * still at FIXED so the proration figures are the same on every run; it reads
 * real time only while signing in, so the browser keeps a session cookie
 * whose expiry lies in the real future.
 */

const PASSWORD = "correct horse battery staple";
const EMAIL = "dana.whitfield@example.com";
/** Mid-period: a subscription started on 1 March has 16 of its 31 days left. */
const FIXED = Temporal.Instant.from("2026-03-16T00:00:00Z");

let frozen: Temporal.Instant | null = FIXED;
const clock: Clock = { now: () => frozen ?? systemClock.now() };

let app: FastifyInstance;
let browser: Browser;
let page: Page;
let baseUrl: string;
let apiKey: string;

async function shoot(name: string, options: { guide?: boolean } = {}): Promise<void> {
  await page.waitForLoadState("networkidle");
  if (options.guide === true) {
    await page.waitForFunction(() => document.querySelectorAll(".mantine-Notification-root").length === 0, null, {
      timeout: 10_000,
    });
  }
  await page.waitForTimeout(350);
  await page.screenshot({ path: path.join(OUTPUT_DIR, `${name}.png`), fullPage: true });
  if (options.guide === true && process.env.ACCRUE_UPDATE_SCREENSHOTS === "1")
    await page.screenshot({ path: path.join(GUIDE_DIR, `${name}.png`), fullPage: true });
}

async function arrive(url: RegExp): Promise<void> {
  await page.waitForURL(url, { waitUntil: "commit" });
}

/** A Mantine select: open it by its label, then pick the option by its text. */
async function choose(scope: Page | ReturnType<Page["getByRole"]>, label: string, option: string | RegExp) {
  await scope.getByLabel(label, { exact: true }).first().click();
  await page.getByRole("option", { name: option }).click();
}

async function call<T>(method: "GET" | "POST", url: string, payload?: unknown): Promise<T> {
  const response = await app.inject({
    method,
    url,
    headers: { authorization: `Bearer ${apiKey}` },
    ...(payload === undefined ? {} : { payload: payload as Record<string, unknown> }),
  });
  if (response.statusCode !== 200) throw new Error(`${method} ${url}: ${response.statusCode} ${response.body}`);
  return response.json() as T;
}

beforeAll(async () => {
  execFileSync("node", [path.join(ROOT, "scripts/ensure-web-build.mjs")], { cwd: ROOT, stdio: "inherit" });
  mkdirSync(OUTPUT_DIR, { recursive: true });
  mkdirSync(GUIDE_DIR, { recursive: true });
  const { db } = await freshDatabase();
  const deps: Deps = { db, clock };
  const system = systemContext("e2e", "req_e2e_seed");
  await createUser(deps, system, { email: EMAIL, name: "Dana Whitfield", role: "admin", password: PASSWORD });
  apiKey = (await createApiKey(deps, system, { name: "e2e seed", role: "admin" })).secret;
  app = await buildApp({ ...deps, config: { webDistDir: path.join(ROOT, "web/dist") } });
  baseUrl = await app.listen({ host: "127.0.0.1", port: 0 });

  // The catalog the analyst sells from: a seat price on a monthly plan billed in advance.
  const product = await call<{ id: string }>("POST", "/v1/products", { name: "Team workspace", unit_label: "seat" });
  const plan = await call<{ id: string }>("POST", "/v1/plans", {
    name: "Team monthly",
    interval: { unit: "month", count: 1 },
    currency: "USD",
    billing_timing: "in_advance",
  });
  await call("POST", "/v1/prices", {
    product: product.id,
    plan: plan.id,
    nickname: "Seat",
    charge_model: { kind: "per_unit", unit_amount: "12.00" },
    effective_from: "2026-01-01T00:00:00Z",
  });
  // An annual licence to upgrade to: changing the interval resets the billing cycle.
  const annual = await call<{ id: string }>("POST", "/v1/plans", {
    name: "Team annual",
    interval: { unit: "year", count: 1 },
    currency: "USD",
    billing_timing: "in_advance",
  });
  await call("POST", "/v1/prices", {
    product: product.id,
    plan: annual.id,
    nickname: "Annual licence",
    charge_model: { kind: "per_unit", unit_amount: "120.00" },
    effective_from: "2026-01-01T00:00:00Z",
  });
  await call("POST", "/v1/customers", {
    legal_name: "Borealis Foods GmbH",
    display_name: "Borealis Foods",
    emails: ["ap@borealis.example"],
    currency: "EUR",
    tags: ["enterprise"],
  });

  browser = await launchChromium();
  const context = await browser.newContext({ viewport: { width: 1440, height: 900 }, locale: "en-US" });
  page = await context.newPage();
  page.setDefaultTimeout(15_000);
  page.on("pageerror", (error) => console.error(`[browser] ${error.message}`));
  page.on("console", (message) => {
    if (message.type() === "error") console.error(`[browser console] ${message.text()}`);
  });

  // Signed in on real time (see above), then the clock goes back to FIXED.
  frozen = null;
  await page.goto(`${baseUrl}/customers`);
  await arrive(/\/login/);
  await page.getByLabel("Email").fill(EMAIL);
  await page.locator('input[name="password"]').fill(PASSWORD);
  await page.getByRole("button", { name: "Sign in" }).click();
  await arrive(/\/customers/);
  frozen = FIXED;
});

afterAll(async () => {
  await browser?.close();
  await app?.close();
});

describe("customers, catalog and subscriptions in Chromium", () => {
  it("creates a customer through the form after showing a field error", async () => {
    await page
      .getByRole("cell", { name: /Borealis Foods/ })
      .first()
      .waitFor();
    await page.getByRole("button", { name: "New customer" }).click();
    const modal = page.getByRole("dialog");
    await modal.getByLabel("Legal name").fill("Acme Logistics GmbH");
    await modal.getByLabel("Display name").fill("Acme Logistics");
    await modal.getByLabel("Billing email").fill("billing@acme-logistics.example");
    await modal.getByLabel("Address line 1").fill("Friedrichstraße 68");
    await modal.getByLabel("City").fill("Berlin");
    await modal.getByLabel("Country").fill("DE");
    // German postal codes have five digits: the API refuses four and names the field.
    await modal.getByLabel("Postal code").fill("1011");
    await modal.getByRole("button", { name: "Create customer" }).click();
    await modal.getByRole("alert").filter({ hasText: "The customer was not created" }).waitFor();
    const postal = modal.getByLabel("Postal code");
    expect(await postal.getAttribute("aria-invalid")).toBe("true");
    expect(await modal.textContent()).toContain("billing_address.postal_code");
    await shoot("customer-create-error");

    await postal.fill("10117");
    await modal.getByRole("button", { name: "Create customer" }).click();
    await arrive(/\/customers\/cus_/);
    await page.getByRole("heading", { name: "Acme Logistics" }).waitFor();
    await shoot("customer-profile");
    await page.getByRole("link", { name: "Customers" }).click();
    await arrive(/\/customers$/);
    await page
      .getByRole("cell", { name: /Acme Logistics/ })
      .first()
      .waitFor();
    await shoot("customers", { guide: true });

    // Search narrows the list by name, email, external id or tax id.
    await page.getByLabel("Search").fill("acme-logistics");
    await page.getByRole("button", { name: "Search", exact: true }).click();
    await arrive(/q=acme-logistics/);
    await page.getByRole("cell", { name: /Borealis/ }).waitFor({ state: "detached" });
    expect(await page.getByRole("cell", { name: /Acme Logistics/ }).count()).toBeGreaterThan(0);
  });

  it("creates a subscription with 3 seats on the per-seat price", async () => {
    await page
      .getByRole("cell", { name: /Acme Logistics/ })
      .first()
      .click();
    await arrive(/\/customers\/cus_/);
    await page.getByRole("tab", { name: "Subscriptions", exact: true }).click();
    await page.getByRole("button", { name: "New subscription" }).click();
    const modal = page.getByRole("dialog");
    await choose(modal, "Plan", /Team monthly/);
    await modal.getByRole("checkbox", { name: "Include Seat" }).check();
    await modal.getByRole("textbox", { name: "Quantity of Seat" }).fill("3");
    await modal.getByLabel("Start (UTC)").fill("2026-03-01T00:00");
    await modal.getByRole("button", { name: "Create subscription" }).click();
    await arrive(/\/subscriptions\/sub_/);
    await page.getByTestId("item-quantity").first().waitFor();
    expect(await page.getByTestId("item-quantity").first().textContent()).toBe("3");
    expect(await page.getByTestId("current-period").textContent()).toContain("01 Mar 2026");
  });

  it("previews the change from 3 to 8 seats with prorations, then applies it", async () => {
    await page.getByRole("button", { name: "Change", exact: true }).click();
    const modal = page.getByRole("dialog");
    await modal.getByRole("textbox", { name: "Quantity", exact: true }).fill("8");
    await choose(modal, "Proration", "Create prorations");
    await modal.getByRole("button", { name: "Preview change" }).click();
    const preview = modal.getByTestId("change-preview");
    await preview.waitFor();
    const lines = await modal.getByTestId("proration-line").allTextContents();
    // 16 of March's 31 days remain on 16 March: 3 seats × $12.00 × 16/31 = $18.58 credited,
    // 8 seats × $12.00 × 16/31 = $49.55 charged; net $49.55 − $18.58 = $30.97.
    expect(lines.join(" | ")).toContain("-$18.58");
    expect(lines.join(" | ")).toContain("$49.55");
    expect(await modal.getByTestId("proration-net").textContent()).toBe("$30.97");
    await shoot("subscription-change-preview", { guide: true });

    await modal.getByRole("button", { name: "Confirm change" }).click();
    await modal.waitFor({ state: "hidden" });
    await page.getByTestId("item-quantity").filter({ hasText: "8" }).waitFor();
    expect(await page.getByTestId("item-quantity").allTextContents()).toEqual(["8"]);

    // The customer page lists the subscription with its new seats.
    await page.getByRole("link", { name: "Acme Logistics" }).click();
    await arrive(/\/customers\/cus_/);
    await page.getByRole("tab", { name: "Subscriptions", exact: true }).click();
    await page.getByText("8 × ").first().waitFor();
    await shoot("customer-detail", { guide: true });
  });

  it("puts the customer on billing hold, adds a pinned note, and shows both in the history", async () => {
    await page.getByRole("tab", { name: "Holds", exact: true }).click();
    await page.getByLabel("Reason").fill("Disputed seat count for March");
    await page.getByRole("button", { name: "Put on billing hold" }).click();
    await page.getByTestId("hold-badge").waitFor();
    await page.getByRole("tab", { name: "Notes", exact: true }).click();
    await page.getByLabel("New note").fill("Procurement asked for seat changes to be confirmed by email.");
    await page.getByLabel("Pin to the top").check();
    await page.getByRole("button", { name: "Add note" }).click();
    await page.getByTestId("pinned-note").filter({ hasText: "Procurement asked for seat changes" }).waitFor();
    await shoot("customer-notes");

    await page.getByRole("tab", { name: "History", exact: true }).click();
    await page.getByRole("cell", { name: "customer.billing_hold_placed" }).click();
    const diff = page.getByTestId("audit-diff");
    await diff.waitFor();
    expect(await diff.textContent()).toContain("Disputed seat count for March");
    await page.keyboard.press("Escape");
    await diff.waitFor({ state: "hidden" });

    await page.getByRole("tab", { name: "Holds", exact: true }).click();
    await page.getByRole("button", { name: "Release hold" }).click();
    await page.getByTestId("hold-badge").waitFor({ state: "detached" });
  });

  it("builds a graduated price with the tier editor and previews a quantity", async () => {
    await page.getByRole("link", { name: "Catalog" }).click();
    await arrive(/\/catalog/);
    await page.getByRole("tab", { name: "Prices", exact: true }).click();
    await page.getByRole("button", { name: "New price" }).click();
    const modal = page.getByRole("dialog");
    await choose(modal, "Product", "Team workspace");
    await choose(modal, "Plan", /Team monthly/);
    await modal.getByLabel("Nickname").fill("API calls");
    await choose(modal, "Charge model", /Graduated tiers/);
    await modal.getByLabel("Tier 1 up to").fill("1000");
    await modal.getByLabel("Tier 1 unit amount").fill("0.05");
    await modal.getByLabel("Tier 2 up to").fill("");
    await modal.getByLabel("Tier 2 unit amount").fill("0.03");
    await modal.getByLabel("Tier 2 flat amount").fill("5.00");
    await shoot("price-editor", { guide: true });
    await modal.getByRole("button", { name: "Create price" }).click();

    const drawer = page.getByRole("dialog");
    const previewBox = drawer.getByTestId("price-preview");
    await previewBox.waitFor();
    await previewBox.getByLabel("Quantity").fill("1500");
    await previewBox.getByRole("button", { name: "Preview" }).click();
    // 1,000 × $0.05 = $50.00, then 500 × $0.03 + $5.00 flat = $20.00: $70.00 in all.
    await previewBox.getByText("$70.00").first().waitFor();
    expect(await previewBox.textContent()).toContain("$20.00");
    await shoot("price-preview");
  });

  it("previews an upgrade from monthly to annual with the new billing cycle, then leaves it", async () => {
    const subscriptions = await call<{ data: { id: string }[] }>("GET", "/v1/subscriptions?limit=1");
    await page.goto(`${baseUrl}/subscriptions/${subscriptions.data[0]?.id}`);
    await page.getByRole("button", { name: "Change", exact: true }).click();
    const modal = page.getByRole("dialog");
    await choose(modal, "Price", /Annual licence/);
    await modal.getByRole("button", { name: "Preview change" }).click();
    const cycle = modal.getByTestId("change-billing-cycle");
    await cycle.waitFor();
    // On 16 March, 8 seats × $12.00 × 16/31 of March are credited: −$49.55; the new
    // cycle bills every year from 16 March, its first period 8 × $120.00 = $960.00.
    expect(await cycle.textContent()).toContain("every year");
    expect(await cycle.textContent()).toContain("$960.00");
    expect((await modal.getByTestId("proration-line").allTextContents()).join(" | ")).toContain("-$49.55");
    await shoot("subscription-interval-change");
    await modal.getByRole("button", { name: "Cancel" }).click();
    await modal.waitFor({ state: "hidden" });
    expect(await page.getByTestId("item-quantity").allTextContents()).toEqual(["8"]);
  });
});
