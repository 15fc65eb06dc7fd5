import { execFileSync } from "node:child_process";
import { mkdirSync } from "node:fs";
import path from "node:path";
import type { FastifyInstance } from "fastify";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createUser, type User } from "../../src/access/index.js";
import { buildApp } from "../../src/api/app.js";
import { createCustomer, placeBillingHold } from "../../src/customers/index.js";
import { createDraft } from "../../src/invoicing/index.js";
import { updateReviewSettings } from "../../src/invoicing/review-settings-service.js";
import { type RequestContext, systemContext } from "../../src/kernel/actor.js";
import { systemClock } from "../../src/kernel/clock.js";
import type { Deps } from "../../src/kernel/deps.js";
import { createSubscription } from "../../src/subscriptions/index.js";
import { seatPlan } from "../../src/subscriptions/test-support.js";
import { GUIDE_DIR, launchChromium, OUTPUT_DIR, ROOT } from "../support/browser.js";
import { freshDatabase } from "../support/database.js";

/**
 * Invoicing in the web app, as an AR specialist works it: a draft held by a
 * blocking review finding is overridden with a reason and finalized, an open
 * invoice is credited and another voided, and a billing run is previewed and
 * run. The real server (API and built web app) on a fresh database, driven by
 * Debian's Chromium; see web.e2e.test.ts for the set-up this copies.
 */

const PASSWORD = "correct horse battery staple";
const EMAIL = "ada.byron@example.com";

let app: FastifyInstance;
let browser: Browser;
let page: Page;
let baseUrl: string;
let user: User;
let deps: Deps;
const seeded = { northwind: "", borealis: "", held: "", draft: "", openDraft: "", large: "" };

async function shoot(name: string, options: { guide?: boolean } = {}): Promise<void> {
  // Best effort: the PDF preview frame can keep the network busy; the test's own waits assert what matters.
  await page.waitForLoadState("networkidle", { timeout: 5_000 }).catch(() => undefined);
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

function userContext(who: User): RequestContext {
  return {
    actor: { type: "user", id: who.id, role: who.role, user_id: who.id, display_name: who.name },
    request_id: "req_e2e_invoices_seed",
  };
}

const address = {
  line1: "500 Market Street",
  city: "San Francisco",
  region: "CA",
  postal_code: "94105",
  country: "US",
};

/**
 * Northwind requires a PO on every invoice and its draft has none: one
 * blocking finding. Borealis has an ordinary draft. Two customers subscribe
 * to a seat plan, one of them on a billing hold, for the billing run.
 */
async function seed(deps: Deps): Promise<void> {
  const system = systemContext("e2e", "req_e2e_invoices_seed");
  user = await createUser(deps, system, { email: EMAIL, name: "Ada Byron", role: "admin", password: PASSWORD });
  const ctx = userContext(user);
  await updateReviewSettings(deps, ctx, {
    enforce_checklist: true,
    approval_amount_by_currency: { USD: "10000.00" },
  });
  const business = {
    currency: "USD",
    billing_address: address,
    tax_ids: [{ type: "us_ein" as const, value: "12-3456789" }],
  };
  seeded.northwind = (
    await createCustomer(deps, ctx, { legal_name: "Northwind Traders Inc.", po_required: true, ...business })
  ).id;
  seeded.borealis = (await createCustomer(deps, ctx, { legal_name: "Borealis Foods LLC", ...business })).id;
  seeded.held = (await createCustomer(deps, ctx, { legal_name: "Cascade Outfitters Co.", ...business })).id;
  const lines = [
    {
      description: "Implementation services, phase 2",
      quantity: "12",
      unit_amount: "150.00",
      tax_rate: "8.625",
      tax_name: "Sales tax",
    },
    { description: "Travel expenses", quantity: "1", unit_amount: "420.00" },
  ];
  seeded.draft = (
    await createDraft(deps, ctx, { customer_id: seeded.northwind, lines, memo: "Phase 2 as agreed in SOW-14." })
  ).id;
  seeded.openDraft = (
    await createDraft(deps, ctx, {
      customer_id: seeded.borealis,
      po_number: "PO-88120",
      lines: [{ description: "Cold storage, October", quantity: "30", unit_amount: "45.00" }],
    })
  ).id;

  seeded.large = (
    await createDraft(deps, ctx, {
      customer_id: seeded.borealis,
      po_number: "PO-90002",
      lines: [{ description: "Warehouse fit-out", quantity: "1", unit_amount: "18500.00" }],
    })
  ).id;

  const plan = await seatPlan(deps);
  const seat = plan.prices["10.00"] as string;
  const start = systemClock.now().subtract({ hours: 24 * 3 });
  for (const customer of [seeded.borealis, seeded.held]) {
    await createSubscription(deps, ctx, { customer, items: [{ price: seat, quantity: "5" }], start_at: start });
  }
  await placeBillingHold(deps, ctx, seeded.held, "Disputed September invoice");
}

beforeAll(async () => {
  execFileSync("node", [path.join(ROOT, "scripts/ensure-web-build.mjs")], { cwd: ROOT, stdio: "inherit" });
  mkdirSync(OUTPUT_DIR, { recursive: true });
  mkdirSync(GUIDE_DIR, { recursive: true });
  const { db } = await freshDatabase();
  deps = { db, clock: systemClock };
  await seed(deps);
  app = await buildApp({ ...deps, config: { webDistDir: path.join(ROOT, "web/dist") } });
  baseUrl = await app.listen({ host: "127.0.0.1", port: 0 });
  browser = await launchChromium();
  const context = await browser.newContext({ viewport: { width: 1440, height: 900 }, locale: "en-US" });
  page = await context.newPage();
  // Generous: the machine may be busy, and a finalize posts to the ledger and renders a PDF.
  page.setDefaultTimeout(30_000);
  page.on("pageerror", (error) => console.error(`[browser] ${error.message}`));
  page.on("console", (message) => {
    if (message.type() === "error") console.error(`[browser console] ${message.text()}`);
  });
});

afterAll(async () => {
  await browser?.close();
  await app?.close();
});

describe("invoicing in the web app", () => {
  it("signs in", async () => {
    await page.goto(`${baseUrl}/review-queue`);
    await arrive(/\/login/);
    await page.getByLabel("Email").fill(EMAIL);
    await page.locator('input[name="password"]').fill(PASSWORD);
    await page.getByRole("button", { name: "Sign in" }).click();
    await arrive(/\/review-queue/);
  });

  it("overrides a blocking finding with a reason and finalizes the draft", async () => {
    const row = page.getByRole("row").filter({ hasText: "Northwind Traders" });
    await row.getByText("1 blocking").waitFor();
    await shoot("review-queue", { guide: true });
    await row.getByRole("cell").first().click();
    await arrive(new RegExp(`/invoices/${seeded.draft}$`));

    const finding = page.getByTestId("finding-purchase_order");
    await finding.getByText("Blocking").waitFor();
    const finalize = page.getByRole("button", { name: "Finalize" });
    expect(await finalize.isDisabled()).toBe(true);
    await shoot("invoice-review-blocked");

    await finding.getByRole("button", { name: "Override" }).click();
    const modal = page.getByRole("dialog");
    await modal
      .getByLabel("Reason")
      .fill("Customer confirmed by email that PO 4471 follows; billing now per contract.");
    await modal.getByRole("button", { name: "Override" }).click();
    await modal.waitFor({ state: "hidden" });
    await finding.getByText(/Overridden by .*PO 4471 follows/).waitFor();
    await page.getByTestId("blocking-count").getByText("0 blocking").waitFor();

    await finalize.click();
    const number = page.getByTestId("invoice-number");
    await number.getByText(/^(?!Assigned).+/).waitFor();
    expect(await number.textContent()).not.toContain("Assigned");
    await page.getByTestId("status-badge").first().getByText("Open").waitFor();
    await page.getByRole("heading", { name: /^Invoice / }).waitFor();
    // 12 × 150.00 = 1,800.00 taxed at 8.625 % = 155.25; + 420.00 travel = 2,220.00 net, 2,375.25 total
    await page.getByTestId("invoice-totals").getByText("$2,375.25").first().waitFor();
    expect(await page.getByTestId("pdf-preview").getAttribute("src")).toContain(`/v1/invoices/${seeded.draft}/pdf`);
    await page.getByRole("link", { name: "View posting" }).waitFor();
    await shoot("invoice-detail", { guide: true });
  });

  it("credits part of the finalized invoice after previewing the figures", async () => {
    await page.getByRole("button", { name: "Create credit note" }).click();
    const modal = page.getByRole("dialog");
    await modal.getByText("Chosen lines").click();
    await modal.getByRole("checkbox", { name: "Credit Travel expenses" }).check();
    await modal.getByLabel("Reason").click();
    await page.getByRole("option", { name: "Billing error" }).click();
    await modal.getByRole("button", { name: "Preview" }).click();
    const preview = modal.getByTestId("credit-preview");
    // The travel line is untaxed: 420.00 credited, 2,375.25 − 420.00 = 1,955.25 left to pay.
    // Waited for, not read at once: the preview's figures arrive after its frame.
    await preview.getByText("$1,955.25").first().waitFor();
    expect(await preview.textContent()).toContain("$420.00");
    expect(await preview.textContent()).toContain("$1,955.25");
    await shoot("credit-note-preview");
    await modal.getByRole("button", { name: "Issue credit note" }).click();
    await arrive(/\/credit-notes\/[^/]+$/);
    await page.getByRole("heading", { name: /^Credit note/ }).waitFor();
    // The dialog's reason picker says it too until the dialog has closed.
    await modal.waitFor({ state: "detached" });
    await page.getByText("Billing error").waitFor();
    await page.getByTestId("pdf-preview").waitFor();
    await shoot("credit-note", { guide: true });
  });

  it("finalizes an ordinary draft and voids it after a confirmation", async () => {
    await page.getByRole("link", { name: "Invoices" }).click();
    await arrive(/\/invoices$/);
    await page.getByRole("row").filter({ hasText: "PO-88120" }).filter({ hasText: "Draft" }).waitFor();
    await shoot("invoices", { guide: true });
    await page.getByRole("row").filter({ hasText: "PO-88120" }).getByRole("cell").first().click();
    await arrive(new RegExp(`/invoices/${seeded.openDraft}$`));
    // A draft can still change: add a line and see the totals follow.
    await page.getByRole("button", { name: "Add line" }).click();
    const modal = page.getByRole("dialog");
    await modal.getByLabel("Description").fill("Handling fee");
    await modal.getByLabel("Unit amount").fill("25.00");
    await modal.getByRole("button", { name: "Add line" }).click();
    await modal.waitFor({ state: "hidden" });
    // 30 × 45.00 = 1,350.00 + 25.00 = 1,375.00
    await page.getByTestId("invoice-totals").getByText("$1,375.00").first().waitFor();
    await page.getByTestId("review-panel").getByText("Ready to finalize.").waitFor();
    expect(await page.getByTestId("blocking-count").textContent()).toBe("0 blocking");
    await page.getByRole("button", { name: "Finalize" }).click();
    await page.getByTestId("status-badge").first().getByText("Open").waitFor();
    await page.getByRole("button", { name: "Void" }).click();
    await modal.getByRole("button", { name: "Void invoice" }).click();
    await modal.waitFor({ state: "hidden" });
    await page.getByTestId("status-badge").first().getByText("Void").waitFor();
    expect(await page.getByRole("button", { name: "Create credit note" }).count()).toBe(0);

    // The list filters by status: the voided invoice is under Void, not under Open.
    await page.getByRole("link", { name: "Invoices" }).click();
    await page
      .locator("label")
      .filter({ hasText: /^Void$/ })
      .click();
    await page.getByRole("row").filter({ hasText: "PO-88120" }).waitFor();
    expect(await page.getByRole("row").filter({ hasText: "Northwind" }).count()).toBe(0);
  });

  it("sends a draft above the approval threshold for approval instead of finalizing it", async () => {
    await page.goto(`${baseUrl}/invoices/${seeded.large}`);
    await page
      .getByTestId("review-panel")
      .getByText(/Finalizing sends it for approval first/)
      .waitFor();
    // Its line has no service period: an info finding, which the settings test below switches off.
    expect(await page.getByTestId("finding-line_without_period").count()).toBe(1);
    await page.getByRole("button", { name: "Finalize" }).click();
    const banner = page.getByTestId("sent-for-approval");
    await banner.getByText("This invoice is finalized once a second person approves it.").waitFor();
    expect(await page.getByTestId("invoice-number").textContent()).toBe("Assigned when finalized");
    await banner.getByRole("link", { name: "Open approvals" }).click();
    await arrive(/\/approvals/);
    await page.getByRole("row").filter({ hasText: "invoice.finalize" }).first().waitFor();
  });

  it("previews a billing run, runs it, and shows what was invoiced and what was held", async () => {
    await page.getByRole("link", { name: "Billing runs" }).click();
    await arrive(/\/billing-runs$/);
    await page.getByText("No billing run yet.").waitFor();
    await page.getByRole("button", { name: "Run now" }).click();
    const modal = page.getByRole("dialog");
    await modal.getByRole("button", { name: "Preview the run" }).click();
    const result = modal.getByTestId("dry-run-result");
    await result.waitFor();
    expect(await result.getByText(/^Dry run:/).textContent()).toMatch(/^Dry run: 1 draft would be created .* 1 held/);
    // Nothing was written by the preview.
    expect(await page.getByText("No billing run yet.").count()).toBe(1);
    await modal.getByLabel(/Dry run/).uncheck();
    await modal.getByRole("button", { name: "Run billing" }).click();
    await arrive(/\/billing-runs\/brun_/);
    const items = page.getByTestId("run-items");
    await items.getByRole("row").filter({ hasText: "Borealis Foods" }).getByText("Invoiced").waitFor();
    await items.getByRole("row").filter({ hasText: "Cascade Outfitters" }).getByText("On hold").waitFor();
    // 5 seats × 10.00 for the first month
    await items.getByText("$50.00").waitFor();
    await shoot("billing-run");
    await page.getByRole("link", { name: "Billing runs" }).click();
    await page.getByRole("row").filter({ hasText: "Succeeded" }).waitFor();
    await shoot("billing-runs", { guide: true });
  });

  it("creates a test clock, shows its customers, advances it and deletes it after a confirmation", async () => {
    await page.getByRole("link", { name: "Test clocks" }).click();
    await arrive(/\/test-clocks$/);
    await page.getByRole("button", { name: "New test clock" }).click();
    const modal = page.getByRole("dialog");
    await modal.getByLabel("Name").fill("Annual renewal rehearsal");
    await modal.getByLabel("Frozen time (UTC)").fill("2027-01-01T09:00");
    await modal.getByRole("button", { name: "Create clock" }).click();
    await arrive(/\/test-clocks\/clock_/);
    await page.getByTestId("frozen-time").getByText("01 Jan 2027, 09:00 UTC").waitFor();
    const clockId = page.url().split("/").pop() as string;

    // A customer put on the clock (from the customer form or the API) is listed on it.
    await createCustomer(deps, userContext(user), {
      legal_name: "Rehearsal Customer Ltd",
      currency: "USD",
      billing_address: address,
      test_clock: clockId,
    });
    await page.reload();
    await page.getByRole("link", { name: "Rehearsal Customer Ltd" }).waitFor();

    await page.getByRole("button", { name: "Advance to…" }).click();
    await modal.getByLabel("Advance to (UTC)").fill("2027-02-01T09:00");
    await modal.getByRole("button", { name: "Advance" }).click();
    await modal.waitFor({ state: "hidden" });
    await page.getByTestId("frozen-time").getByText("01 Feb 2027, 09:00 UTC").waitFor();
    await shoot("test-clock", { guide: true });

    await page.getByRole("button", { name: "Delete" }).click();
    await modal.getByRole("button", { name: "Delete clock" }).click();
    await arrive(/\/test-clocks$/);
    await page.getByRole("row").filter({ hasText: "Annual renewal rehearsal" }).waitFor({ state: "detached" });
  });

  it("changes the review settings and shows the change on a draft's checklist", async () => {
    await page.getByRole("link", { name: "Review queue" }).click();
    await page.getByRole("button", { name: "Review settings" }).click();
    await arrive(/\/review-settings$/);
    expect(await page.getByLabel("Blocking findings stop finalizing").isChecked()).toBe(true);
    await page.getByLabel("Line without period on").uncheck();
    await page.getByRole("button", { name: "Save settings" }).click();
    await page.getByText("Last changed").waitFor();
    await page.goto(`${baseUrl}/invoices/${seeded.large}`);
    await page.getByTestId("review-panel").getByText("Ready to finalize.").waitFor();
    expect(await page.getByTestId("finding-line_without_period").count()).toBe(0);
  });
});
