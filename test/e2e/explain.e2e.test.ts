import { readFileSync } from "node:fs";
import path from "node:path";
import type { Page } from "playwright-core";
import { Temporal } from "temporal-polyfill";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { approve, createApiKey, createUser } from "../../src/access/index.js";
import { createPlan, createPrice, createProduct, ensureDefault3plRateCard } from "../../src/catalog/index.js";
import { createCustomer } from "../../src/customers/index.js";
import { listInvoices, runBilling } from "../../src/invoicing/index.js";
import { systemContext } from "../../src/kernel/actor.js";
import { systemClock } from "../../src/kernel/clock.js";
import { createSubscription } from "../../src/subscriptions/index.js";
import { ROOT } from "../support/browser.js";
import { apiCaller, arrive, shoot, signIn, startWebApp, userContext, type WebApp } from "../support/web-app.js";

/**
 * Rated usage in the web app, as a billing system analyst checks it: last
 * month's warehouse orders are rated by the 3PL charge script and billed on
 * a draft; the events explorer tells rated, unrated, no-charge and pending
 * events apart and shows the script's error on the one it could not rate;
 * the invoice's shipping markup line is explained down to its charges and
 * their events, and its figures tick to the cent.
 */

const EMAIL = "grace.hopper@example.com";

let web: WebApp;
let page: Page;
const seeded = {
  customer: "",
  invoice: "",
  /** Publishes a script version, approved by a second person, effective from the given instant. */
  publishFix: async (_source: string, _from: string): Promise<void> => {},
  monthStart: "",
};

/** Mid-month last month (UTC): inside the billing period that has just ended. */
function lastMonth(day: number, hour: number): string {
  return systemClock
    .now()
    .toZonedDateTimeISO("UTC")
    .subtract({ months: 1 })
    .with({ day, hour, minute: 0, second: 0, millisecond: 0, microsecond: 0, nanosecond: 0 })
    .toInstant()
    .toString();
}

function order(id: string, timestamp: string, units: number | null) {
  const properties: Record<string, unknown> = {
    lines: 1,
    packaging: "small_box",
    ship_cost: 6.3,
    carrier: "UPS",
    service_level: "ground",
  };
  if (units !== null) properties.units = units;
  return { transaction_id: id, customer: "NW-3PL", type: "order.shipped", timestamp, properties };
}

async function seed(): Promise<void> {
  const deps = web.deps;
  const system = systemContext("e2e", "req_e2e_explain_seed");
  const grace = await createUser(deps, system, {
    email: EMAIL,
    name: "Grace Hopper",
    role: "admin",
    password: "correct horse battery staple",
  });
  const checker = await createUser(deps, system, {
    email: "ada.lovelace@example.com",
    name: "Ada Lovelace",
    role: "approver",
    password: "correct horse battery staple",
  });
  const ctx = userContext(grace, "req_e2e_explain_seed");
  const callApi = apiCaller(web.baseUrl, (await createApiKey(deps, ctx, { name: "WMS feed", role: "admin" })).secret);
  await ensureDefault3plRateCard(deps, system);
  const script = await callApi<{ id: string }>("POST", "/v1/scripts", { name: "3PL warehouse", is_default: true });
  const version = await callApi<{ id: string }>("POST", `/v1/scripts/${script.id}/versions`, {
    source: readFileSync(path.join(ROOT, "src/usage/reference/3pl.lua"), "utf8"),
  });
  const request = await callApi<{ approval: { id: string } }>(
    "POST",
    `/v1/scripts/${script.id}/versions/${version.id}/publish`,
    { effective_from: "2026-01-01T00:00:00Z" },
  );
  await approve(deps, userContext(checker, "req_e2e_explain_seed"), request.approval.id);
  seeded.publishFix = async (source, from) => {
    const fixed = await callApi<{ id: string }>("POST", `/v1/scripts/${script.id}/versions`, { source });
    const asked = await callApi<{ approval: { id: string } }>(
      "POST",
      `/v1/scripts/${script.id}/versions/${fixed.id}/publish`,
      { effective_from: from },
    );
    await approve(deps, userContext(checker, "req_e2e_explain_fix"), asked.approval.id);
  };

  const customer = await createCustomer(deps, ctx, {
    legal_name: "Northwind Logistics LLC",
    external_id: "NW-3PL",
    currency: "USD",
    time_zone: "UTC",
  });
  seeded.customer = customer.id;
  const product = await createProduct(deps, ctx, { name: "Warehouse account" });
  const plan = await createPlan(deps, ctx, {
    name: "3PL monthly",
    interval: { unit: "month", count: 1 },
    currency: "USD",
    billing_timing: "in_arrears",
  });
  const fee = await createPrice(deps, ctx, {
    product: product.id,
    plan: plan.id,
    charge_model: { kind: "per_unit", unit_amount: "100.00" },
    effective_from: Temporal.Instant.from("2020-01-01T00:00:00Z"),
  });
  const monthStart = systemClock.now().toZonedDateTimeISO("UTC").subtract({ months: 1 }).with({ day: 1 }).startOfDay();
  seeded.monthStart = monthStart.toInstant().toString();
  await createSubscription(deps, ctx, {
    customer: customer.id,
    items: [{ price: fee.id }],
    start_at: monthStart.toInstant(),
  });

  await callApi("POST", "/v1/events/batch", {
    events: [
      order("SO-1001", lastMonth(10, 9), 3),
      order("SO-1002", lastMonth(11, 9), 1),
      order("SO-1003", lastMonth(12, 9), 2),
      // No units: the script's `units > 1` compares nil with a number and stops on that line.
      order("SO-1004", lastMonth(13, 9), null),
      {
        transaction_id: "RCV-2001",
        customer: "NW-3PL",
        type: "inbound.received",
        timestamp: lastMonth(14, 9),
        properties: { cartons: 0, pallets: 0 },
      },
    ],
  });
  await runBilling(deps, ctx, { as_of: systemClock.now(), customer: customer.id });
  const [invoice] = (await listInvoices(deps, { customer_id: customer.id }, { limit: 1 })).data;
  seeded.invoice = invoice?.id ?? "";
  // Received after the billing run rated last month: this month's, not rated yet.
  await callApi("POST", "/v1/events", {
    transaction_id: "RCV-2002",
    customer: "NW-3PL",
    type: "inbound.received",
    timestamp: systemClock.now().subtract({ minutes: 1 }).toString(),
    properties: { cartons: 5, pallets: 0 },
  });
}

beforeAll(async () => {
  web = await startWebApp({ timezoneId: "UTC" });
  page = web.page;
  await seed();
});

afterAll(async () => {
  await web?.close();
});

async function chooseStatus(label: string): Promise<void> {
  await page.getByRole("combobox", { name: "Rating status" }).click();
  await page.getByRole("option", { name: label, exact: true }).click();
  await page.getByRole("button", { name: "Apply" }).click();
}

describe("rated usage in the web app", () => {
  it("shows each event's rating status, filters by it and shows an unrated event's error", async () => {
    expect(seeded.invoice).toMatch(/^inv_/);
    await page.goto(`${web.baseUrl}/usage/events`);
    await signIn(page, EMAIL);
    await arrive(page, /\/usage\/events/);
    const table = page.getByTestId("events-table");
    await table.getByText("SO-1001").waitFor();
    const badgeOf = async (transaction: string) =>
      table
        .locator("tbody tr")
        .filter({ hasText: transaction })
        .locator("[data-rating-status]")
        .getAttribute("data-rating-status");
    expect(await badgeOf("SO-1001")).toBe("rated");
    expect(await badgeOf("SO-1004")).toBe("unrated");
    expect(await badgeOf("RCV-2001")).toBe("no_charge");
    expect(await badgeOf("RCV-2002")).toBe("pending");
    // SO-1002, one unit: pick 2.75 + line 0.30 + small box 0.85 + shipping 6.30 + markup 6.30 × 0.08 = 0.504
    // = 10.704, exact: an event's charges are not rounded, its invoice lines are.
    expect(await table.locator("tbody tr").filter({ hasText: "SO-1002" }).textContent()).toContain(
      "5 charges · $10.704",
    );
    await shoot(page, "usage-events-rating", { guide: true });

    await chooseStatus("Unrated");
    await arrive(page, /rating_status=unrated/);
    const rows = table.locator("tbody tr");
    await table.getByText("SO-1001").waitFor({ state: "detached" });
    await table.getByText("SO-1004").waitFor();
    await expect.poll(() => rows.count()).toBe(1);
    expect(await rows.first().textContent()).toMatch(/SO-1004.*line \d+/);

    await rows.first().click();
    const error = page.getByTestId("event-rating-error");
    await error.waitFor();
    expect(await error.textContent()).toMatch(/line \d+/);
    expect(await error.textContent()).toContain("nil");
    await shoot(page, "usage-event-unrated", { guide: true, fullPage: false });
    await page.keyboard.press("Escape");
    await error.waitFor({ state: "detached" });

    await chooseStatus("No charge");
    await arrive(page, /rating_status=no_charge/);
    await table.getByText("SO-1004").waitFor({ state: "detached" });
    await table.getByText("RCV-2001").waitFor();
    await expect.poll(() => rows.count()).toBe(1);
    expect(await rows.first().textContent()).toContain("RCV-2001");
  });

  it("explains the shipping markup line: charges by code, their events, and sums that tick to the cent", async () => {
    await page.goto(`${web.baseUrl}/invoices/${seeded.invoice}`);
    const lines = page.getByTestId("invoice-lines");
    const markup = lines.locator("tbody tr").filter({ hasText: "Shipping markup" });
    await markup.waitFor();
    // The subscription fee is not usage: nothing to explain.
    const fee = lines.locator("tbody tr").filter({ hasText: "Warehouse account" });
    expect(await fee.getByRole("button", { name: "Explain" }).count()).toBe(0);
    const lineAmount = (await markup.locator("td").nth(4).textContent())?.trim();
    // Three orders at 6.30 × 8 % = 0.504 each, exact: 1.512 = 18.90 × 8 %, rounded once at the line to 1.51
    // (rounding each charge first would have billed 3 × 0.50 = 1.50).
    expect(lineAmount).toBe("$1.51");

    await markup.getByRole("button", { name: "Explain" }).click();
    const explanation = page.getByTestId("line-explanation");
    const arithmetic = explanation.getByTestId("explain-arithmetic");
    await arithmetic.getByText("The charges add up to the line").waitFor();
    expect(await arithmetic.textContent()).toContain("3 charges sum to $1.512, rounded once $1.51; the line is $1.51");
    const total = explanation.getByTestId("explain-groups-total");
    expect(await total.textContent()).toContain("rounded = the line amount ✓");
    expect(await total.locator("td").last().textContent()).toBe("$1.512"); // the exact sum, which rounds to the line
    const groups = explanation.getByTestId("explain-groups").locator("tbody tr").filter({ hasText: "shipping_markup" });
    expect(await groups.textContent()).toMatch(/shipping_markup.*3.*18\.9.*0\.08.*\$1\.512/);

    const charges = explanation.getByTestId("explain-charges").locator("tbody tr");
    await expect.poll(() => charges.count()).toBe(3);
    const transactions = await charges.locator("td:nth-child(2)").allTextContents();
    expect(transactions).toEqual(["SO-1001", "SO-1002", "SO-1003"]);
    expect(await charges.first().textContent()).toContain("order.shipped");
    expect(await explanation.getByTestId("explain-page-sum").textContent()).toBe(
      "Charges 1–3 of 3: this page sums to $1.512",
    );
    const versions = explanation.getByTestId("explain-versions");
    await versions.getByRole("link", { name: "3PL warehouse version 1" }).waitFor();
    await versions.getByRole("link", { name: "3PL default USD version 1" }).waitFor();
    await shoot(page, "invoice-line-explain", { guide: true, fullPage: false });

    await versions.getByRole("link", { name: "3PL warehouse version 1" }).click();
    await arrive(page, /\/scripts\/scr_.*\/versions\/scrv_/);
  });
  it("rates the draft's usage again after a script fix: the order the old version could not rate is billed", async () => {
    // Version 2 reads a missing unit count as one, from the start of last month: a retroactive fix.
    const source = readFileSync(path.join(ROOT, "src/usage/reference/3pl.lua"), "utf8");
    const fixed = source.replace(
      'rating["order.shipped"] = function(event, rates)\n  local units = event.units\n',
      'rating["order.shipped"] = function(event, rates)\n  local units = event.units or 1\n',
    );
    expect(fixed).not.toBe(source);
    await seeded.publishFix(fixed, seeded.monthStart);

    await page.goto(`${web.baseUrl}/invoices/${seeded.invoice}`);
    const lines = page.getByTestId("invoice-lines");
    const markup = lines.locator("tbody tr").filter({ hasText: "Shipping markup" });
    await markup.waitFor();
    expect((await markup.locator("td").nth(4).textContent())?.trim()).toBe("$1.51");
    const pdfBefore = await page.getByTestId("pdf-preview").getAttribute("src");
    await page.getByRole("button", { name: "Rate usage again" }).click();
    // SO-1001…1004 now all rated: four orders at 6.30 × 8 % = 0.504 each, 2.016 exact, rounded once to 2.02.
    await expect.poll(async () => (await markup.locator("td").nth(4).textContent())?.trim()).toBe("$2.02");
    await page.getByText(/\d+ events rated: \$\d/).waitFor();
    // The total stays (the monthly minimum tops it up either way), but the PDF preview is the new one.
    await expect.poll(() => page.getByTestId("pdf-preview").getAttribute("src")).not.toBe(pdfBefore);
    await shoot(page, "invoice-rate-usage-again", { guide: true, fullPage: false });
    const first = lines.locator("tbody tr").filter({ hasText: "Pick and pack, first unit" });
    expect((await first.locator("td").nth(1).textContent())?.trim()).toBe("4");
  });
});
