import { execFileSync } from "node:child_process";
import { mkdirSync } from "node:fs";
import path from "node:path";
import type { FastifyInstance } from "fastify";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createUser } from "../../src/access/index.js";
import { buildApp } from "../../src/api/app.js";
import { createCustomer, placeBillingHold } from "../../src/customers/index.js";
import { createCreditNote, createDraft, finalizeInvoice } from "../../src/invoicing/index.js";
import { type RequestContext, systemContext } from "../../src/kernel/actor.js";
import { systemClock } from "../../src/kernel/clock.js";
import type { Deps } from "../../src/kernel/deps.js";
import { launchChromium, OUTPUT_DIR, ROOT } from "../support/browser.js";
import { freshDatabase } from "../support/database.js";

/**
 * Legal entities and invoice search in the web app: a billing analyst sets
 * up a second selling company with its own number prefixes and payment
 * instructions, assigns a customer to it on the customer's profile, and an
 * AR specialist finds an invoice by a part of its number.
 */

const PASSWORD = "correct horse battery staple";
const EMAIL = "lena.ortiz@example.com";

let app: FastifyInstance;
let browser: Browser;
let page: Page;
let baseUrl: string;
const seeded = { customer: "", numbers: [] as string[], creditNote: "" };

async function shoot(name: string): Promise<void> {
  await page.waitForLoadState("networkidle", { timeout: 5_000 }).catch(() => undefined);
  await page.waitForTimeout(300);
  await page.screenshot({ path: path.join(OUTPUT_DIR, `${name}.png`), fullPage: true });
}

async function arrive(url: RegExp): Promise<void> {
  await page.waitForURL(url, { waitUntil: "commit" });
}

const address = {
  line1: "500 Market Street",
  city: "San Francisco",
  region: "CA",
  postal_code: "94105",
  country: "US",
};

async function seed(deps: Deps): Promise<void> {
  const system = systemContext("e2e", "req_e2e_legal_entities_seed");
  const user = await createUser(deps, system, { email: EMAIL, name: "Lena Ortiz", role: "admin", password: PASSWORD });
  const ctx: RequestContext = {
    actor: { type: "user", id: user.id, role: user.role, user_id: user.id, display_name: user.name },
    request_id: "req_e2e_legal_entities_seed",
  };
  const customer = await createCustomer(deps, ctx, {
    legal_name: "Harbor Analytics Ltd",
    currency: "USD",
    billing_address: address,
  });
  seeded.customer = customer.id;
  const held = await createCustomer(deps, ctx, { legal_name: "Quarry Supplies Ltd", currency: "USD" });
  await placeBillingHold(deps, ctx, held.id, "Awaiting the renewed contract");
  for (const amount of ["1200.00", "1350.00", "990.00"]) {
    const draft = await createDraft(deps, ctx, {
      customer_id: customer.id,
      lines: [{ description: "Analytics platform", unit_amount: amount }],
    });
    seeded.numbers.push((await finalizeInvoice(deps, ctx, draft.id)).number ?? "");
  }
  const credited = await createCreditNote(deps, ctx, {
    invoice: (
      await finalizeInvoice(
        deps,
        ctx,
        (
          await createDraft(deps, ctx, {
            customer_id: customer.id,
            lines: [{ description: "Onboarding workshop", unit_amount: "640.00" }],
          })
        ).id,
      )
    ).id,
    scope: "whole_invoice",
    reason: "duplicate",
    outcome: "reduce_amount_due",
  });
  seeded.creditNote = credited.id;
}

beforeAll(async () => {
  execFileSync("node", [path.join(ROOT, "scripts/ensure-web-build.mjs")], { cwd: ROOT, stdio: "inherit" });
  mkdirSync(OUTPUT_DIR, { recursive: true });
  const { db } = await freshDatabase();
  const deps = { db, clock: systemClock };
  await seed(deps);
  app = await buildApp({ ...deps, config: { webDistDir: path.join(ROOT, "web/dist") } });
  baseUrl = await app.listen({ host: "127.0.0.1", port: 0 });
  browser = await launchChromium();
  const context = await browser.newContext({ viewport: { width: 1440, height: 900 }, locale: "en-US" });
  page = await context.newPage();
  page.setDefaultTimeout(30_000);
  page.on("pageerror", (error) => console.error(`[browser] ${error.message}`));
});

afterAll(async () => {
  await browser?.close();
  await app?.close();
});

describe("legal entities and invoice search in the web app", () => {
  it("signs in", async () => {
    await page.goto(`${baseUrl}/legal-entities`);
    await arrive(/\/login/);
    await page.getByLabel("Email").fill(EMAIL);
    await page.locator('input[name="password"]').fill(PASSWORD);
    await page.getByRole("button", { name: "Sign in" }).click();
    await arrive(/\/legal-entities/);
  });

  it("creates a second legal entity with its own prefixes and payment instructions, then edits it", async () => {
    await page.getByRole("row").filter({ hasText: "Accrue Billing Ltd" }).waitFor();
    await page.getByRole("button", { name: "New legal entity" }).click();
    const modal = page.getByRole("dialog");
    await modal.getByLabel("Id", { exact: true }).fill("example-uk");
    await modal.getByRole("textbox", { name: /^Legal name/ }).fill("Example Software Ltd");
    await modal.getByRole("textbox", { name: /^VAT country/ }).fill("GB");
    await modal.getByLabel("Invoice prefix").fill("UK");
    await modal.getByLabel("Credit note prefix").fill("UKCN");
    await modal.getByLabel("Address line 1").fill("1 Poultry");
    await modal.getByLabel("City").fill("London");
    await modal.getByLabel("Postal code").fill("EC2R 8EJ");
    await modal.getByLabel("Country", { exact: true }).fill("GB");
    await modal.getByLabel("Payment instructions").fill("Sort code 40-47-84, account 70872490.");
    await shoot("legal-entity-new");
    await modal.getByRole("button", { name: "Create entity" }).click();
    await modal.waitFor({ state: "hidden" });
    const row = page.getByRole("row").filter({ hasText: "Example Software Ltd" });
    await row.getByText("UK-YYYY-000001").waitFor();
    await row.getByText("UKCN-YYYY-000001").waitFor();

    await row.getByRole("cell").first().click();
    const edit = page.getByRole("dialog");
    await edit.getByLabel("Payment instructions").fill("Sort code 40-47-84, account 70872491.");
    await edit.getByRole("button", { name: "Save" }).click();
    await edit.waitFor({ state: "hidden" });
    await row.getByText("account 70872491").waitFor();
    await shoot("legal-entities");
  });

  it("assigns the customer to the new entity on its profile", async () => {
    await page.goto(`${baseUrl}/customers/${seeded.customer}`);
    await page.getByRole("heading", { name: /Harbor Analytics/ }).waitFor();
    await page.getByRole("combobox", { name: "Legal entity" }).click();
    await page.getByRole("option", { name: /Example Software Ltd/ }).click();
    await page.getByRole("button", { name: "Save changes" }).click();
    await page.getByText("Profile saved.").waitFor();
    const saved = await page.evaluate(async (id) => {
      const response = await fetch(`/v1/customers/${id}`);
      return ((await response.json()) as { legal_entity: string }).legal_entity;
    }, seeded.customer);
    expect(saved).toBe("example-uk");
    await shoot("customer-legal-entity");
  });

  it("finds an invoice by a part of its number", async () => {
    const [first, second, third] = seeded.numbers;
    await page.goto(`${baseUrl}/invoices`);
    await page.getByText(first ?? "").waitFor();
    await page.getByLabel("Invoice number").fill((second ?? "").slice(-6));
    await page.getByRole("button", { name: "Search" }).click();
    await arrive(/number=/);
    await page
      .getByRole("row")
      .filter({ hasText: second ?? "" })
      .waitFor();
    await page.getByText(first ?? "").waitFor({ state: "detached" });
    expect(await page.getByText(third ?? "").count()).toBe(0);
    await shoot("invoices-number-search");
  });

  it("lists only the customers on a billing hold", async () => {
    await page.goto(`${baseUrl}/customers`);
    await page.getByRole("cell", { name: /Harbor Analytics/ }).waitFor();
    await page.getByRole("checkbox", { name: "On billing hold" }).check();
    await arrive(/billing_hold=/);
    await page.getByRole("cell", { name: /Harbor Analytics/ }).waitFor({ state: "detached" });
    await page.getByRole("cell", { name: /Quarry Supplies/ }).waitFor();
    await shoot("customers-billing-hold");
  });

  it("voids an issued credit note with a reason", async () => {
    await page.goto(`${baseUrl}/credit-notes/${seeded.creditNote}`);
    await page.getByRole("heading", { name: /^Credit note CN-/ }).waitFor();
    await page.getByRole("button", { name: "Void credit note" }).click();
    const modal = page.getByRole("dialog");
    await modal.getByLabel("Reason").fill("Issued twice by mistake");
    await modal.getByRole("button", { name: "Void credit note" }).click();
    await modal.waitFor({ state: "hidden" });
    await page
      .getByText(/Issued twice by mistake/)
      .first()
      .waitFor();
    await page.getByTestId("status-badge").getByText("Void").waitFor();
    expect(await page.getByRole("button", { name: "Void credit note" }).count()).toBe(0);
    await shoot("credit-note-voided");
  });
});
