import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createApiKey, createUser, type User } from "../../src/access/index.js";
import { ensureDefault3plRateCard } from "../../src/catalog/index.js";
import { createCustomer } from "../../src/customers/index.js";
import { systemContext } from "../../src/kernel/actor.js";
import { systemClock } from "../../src/kernel/clock.js";
import {
  apiCaller,
  arrive,
  PASSWORD,
  shoot,
  signIn,
  startWebApp,
  userContext,
  type WebApp,
} from "../support/web-app.js";

/**
 * Usage in the web app, as a billing system analyst works it: a warehouse's
 * events are sent through the API and found in the events explorer; a
 * rejected event is retried once its customer exists; a meter is defined
 * (its validation error shown on the field) and its chart read on the
 * customer's page; the default 3PL rate card gets a draft whose diff is
 * checked before it is sent for approval. The real server and built web app
 * on a fresh database, driven by Debian's Chromium (see invoices.e2e.test.ts).
 */

const EMAIL = "grace.hopper@example.com";
const REQUEST_ID = "req_e2e_usage_seed";

let web: WebApp;
let page: Page;
let user: User;
let callApi: ReturnType<typeof apiCaller>;
const seeded = { northwind: "" };

/** An instant a few minutes, or whole months, before now: inside this month or the ones before. */
function ago(options: { minutes?: number; months?: number }): string {
  const now = systemClock.now().toZonedDateTimeISO("UTC");
  // Months back land mid-month, away from the edges of the calendar month in UTC.
  const base = options.months === undefined ? now : now.subtract({ months: options.months }).with({ day: 15 });
  return base
    .subtract({ minutes: options.minutes ?? 0 })
    .toInstant()
    .toString();
}

function shipped(id: string, when: string, service_level: string, units: number | string) {
  return {
    transaction_id: id,
    customer: "NW-3PL",
    type: "order.shipped",
    timestamp: when,
    properties: { order_id: `SO-${id}`, service_level, units, carrier: "UPS" },
  };
}

async function seed(): Promise<void> {
  const deps = web.deps;
  const system = systemContext("e2e", REQUEST_ID);
  user = await createUser(deps, system, { email: EMAIL, name: "Grace Hopper", role: "admin", password: PASSWORD });
  const ctx = userContext(user, REQUEST_ID);
  callApi = apiCaller(web.baseUrl, (await createApiKey(deps, ctx, { name: "WMS feed", role: "admin" })).secret);
  seeded.northwind = (
    await createCustomer(deps, ctx, { legal_name: "Northwind Logistics LLC", external_id: "NW-3PL", currency: "USD" })
  ).id;
  await ensureDefault3plRateCard(deps, system);
}

beforeAll(async () => {
  web = await startWebApp();
  page = web.page;
  await seed();
});

afterAll(async () => {
  await web?.close();
});

describe("usage in the web app", () => {
  it("sends a warehouse's events through the API", async () => {
    const result = await callApi<{ counts: Record<string, number>; results: { status: string; code?: string }[] }>(
      "POST",
      "/v1/events/batch",
      {
        events: [
          shipped("1001", ago({ minutes: 30 }), "ground", 3),
          shipped("1002", ago({ minutes: 20 }), "2day", "12.5"),
          shipped("1003", ago({ minutes: 10 }), "ground", 4),
          shipped("0901", ago({ months: 1 }), "ground", 10),
          shipped("0801", ago({ months: 2 }), "2day", 6),
          { ...shipped("2001", ago({ minutes: 5 }), "ground", 2), customer: "BOREALIS-WMS" },
          { ...shipped("2002", ago({ minutes: 5 }), "ground", 1), timestamp: "2026-11-02 14:05" },
          shipped("1001", ago({ minutes: 30 }), "ground", 3),
        ],
      },
    );
    expect(result.counts).toEqual({ received: 8, accepted: 5, duplicates: 1, rejected: 2 });
  });

  it("signs in and finds the events in the explorer", async () => {
    await page.goto(`${web.baseUrl}/usage/events`);
    await signIn(page, EMAIL);
    await arrive(page, /\/usage\/events/);
    const table = page.getByTestId("events-table");
    await table.getByText("SO-0801").waitFor();
    // Five stored; the duplicate and the two rejected are not events.
    expect(await table.locator("tbody tr").count()).toBe(5);

    await page.getByLabel("Customer").fill("NW-3PL");
    await page.getByLabel("From (UTC)").fill(ago({ minutes: 25 }).slice(0, 16));
    await page.getByRole("button", { name: "Apply" }).click();
    await arrive(page, /customer=NW-3PL/);
    await table.getByText("SO-0801").waitFor({ state: "detached" });
    // Newest first: 1003 (10 minutes ago) above 1002 (20 minutes ago); 1001 is before the range.
    const rows = table.locator("tbody tr");
    await expect.poll(() => rows.count()).toBe(2);
    await rows.nth(0).getByText("1003", { exact: true }).waitFor();
    expect(await rows.nth(0).textContent()).toContain("1003");
    expect(await rows.nth(1).textContent()).toContain("1002");
    await page.getByRole("button", { name: "Clear" }).click();
    await table.getByText("SO-0801").waitFor();
    await shoot(page, "usage-events", { guide: true });

    await table.locator("tbody tr").filter({ hasText: "1002" }).click();
    const drawer = page.getByTestId("event-drawer");
    await drawer.getByText("Northwind Logistics LLC").waitFor();
    const properties = await drawer.getByTestId("event-properties").textContent();
    expect(JSON.parse(properties ?? "{}")).toEqual({
      order_id: "SO-1002",
      service_level: "2day",
      units: "12.5",
      carrier: "UPS",
    });
    await shoot(page, "usage-event");
    await page.keyboard.press("Escape");
    await drawer.waitFor({ state: "detached" });
  });

  it("retries a rejected event once its customer exists, and corrects another", async () => {
    await page.getByRole("tab", { name: "Rejected" }).click();
    const table = page.getByTestId("rejections-table");
    const missing = table.locator("tbody tr").filter({ hasText: "event_customer_not_found" });
    await missing.getByText(/"customer":"BOREALIS-WMS"/).waitFor();
    await shoot(page, "usage-rejections", { guide: true });

    // Retried before the customer exists: refused again, still open.
    await missing.getByRole("button", { name: "Retry", exact: true }).click();
    await page.getByText("Rejected again").waitFor();
    await missing.getByText("1", { exact: true }).waitFor();

    await createCustomer(web.deps, userContext(user, REQUEST_ID), {
      legal_name: "Borealis Foods LLC",
      external_id: "BOREALIS-WMS",
      currency: "USD",
    });
    await missing.getByRole("button", { name: "Retry", exact: true }).click();
    await page.getByText("Event stored").waitFor();
    await missing.waitFor({ state: "detached" });

    // The timestamp without an offset is corrected in the dialog and sent again.
    const invalid = table.locator("tbody tr").filter({ hasText: "event_field_invalid" });
    await invalid.getByRole("button", { name: "Edit & retry" }).click();
    const modal = page.getByRole("dialog");
    const editor = modal.getByLabel("Event (JSON)");
    const corrected = JSON.parse(await editor.inputValue()) as Record<string, unknown>;
    expect(corrected.timestamp).toBe("2026-11-02 14:05");
    await editor.fill(JSON.stringify({ ...corrected, timestamp: ago({ minutes: 2 }) }, null, 2));
    await modal.getByRole("button", { name: "Retry with these changes" }).click();
    await modal.waitFor({ state: "hidden" });
    await table.getByText("No rejected event waits for a fix.").waitFor();

    await page.getByRole("tab", { name: "Events" }).click();
    await page.getByTestId("events-table").getByText("SO-2002").waitFor();
    await page.getByTestId("events-table").getByText("SO-2001").waitFor();
  });

  it("defines a meter, with the API's validation error shown on its field", async () => {
    await page.getByRole("link", { name: "Meters" }).click();
    await arrive(page, /\/usage\/meters$/);
    await page.getByText("No meters here yet.").waitFor();
    await page.getByRole("button", { name: "New meter" }).click();
    const modal = page.getByRole("dialog");
    await modal.getByLabel("Code").fill("units_shipped");
    await modal.getByLabel("Name").fill("Units shipped");
    await modal.getByLabel("Event type").fill("order.shipped");
    await modal.getByLabel("Aggregation").click();
    await page.getByRole("option", { name: "Sum", exact: true }).click();
    await modal.getByLabel("Group by").fill("service_level");
    await modal.getByLabel("Group by").press("Enter");
    await modal.getByRole("button", { name: "Add filter" }).click();
    await modal.getByLabel("Filter 1 property").fill("carrier");
    await modal.getByLabel("Filter 1 value").fill("UPS");
    // A sum needs the property it adds up: the API refuses and names value_property.
    await modal.getByRole("button", { name: "Create meter" }).click();
    const valueProperty = modal.getByLabel("Value property");
    await expect.poll(() => valueProperty.getAttribute("aria-invalid")).toBe("true");
    await shoot(page, "meter-form-error");
    await valueProperty.fill("units");
    await modal.getByRole("button", { name: "Create meter" }).click();
    await arrive(page, /\/usage\/meters\/mtr_/);
    const definition = page.getByTestId("meter-definition");
    await definition.getByText("carrier = UPS").waitFor();
    await definition.getByText("service_level").waitFor();
    // The events stored before the meter existed are counted: its chart for Northwind is already there.
    await page.goto(`${page.url()}?customer=${seeded.northwind}`);
    await page.getByTestId("usage-chart").getByText("Units shipped").waitFor();
    await page.getByTestId("usage-table").getByText("this period so far").waitFor();
    await shoot(page, "meter", { guide: true });
  });

  it("shows the meter's usage this period and before on the customer's page", async () => {
    await page.goto(`${web.baseUrl}/customers/${seeded.northwind}?tab=usage`);
    const thisPeriod = page.getByTestId("usage-this-period");
    const row = thisPeriod.locator("tbody tr").filter({ hasText: "Units shipped" });
    // This month: ground 3 + 4 + 1 (the corrected event) = 8, 2day 12.5; total 20.5
    await row.getByText("20.5", { exact: true }).waitFor();
    expect(await row.textContent()).toContain("service_level ground: 8");
    expect(await row.textContent()).toContain("service_level 2day: 12.5");
    const chart = page.getByTestId("usage-chart");
    // Empty months draw zero-height bars; the three months with shipments draw visible ones.
    await chart.locator(".recharts-bar-rectangle path").first().waitFor();
    const history = page.getByTestId("usage-table");
    // Last month 10 ground, the month before 6 2day; the totals column reads them back.
    await history.locator("tbody tr").filter({ hasText: "this period so far" }).getByText("20.5").waitFor();
    const totals = await history.locator("tbody tr td:last-child").allTextContents();
    expect(totals.slice(0, 3)).toEqual(["20.5", "10", "6"]);
    await shoot(page, "customer-usage", { guide: true });
  });

  it("edits a draft of the default rate card, reads the diff and sends it for approval", async () => {
    await page.getByRole("link", { name: "Rate cards" }).click();
    await arrive(page, /\/rate-cards$/);
    await page.getByRole("row").filter({ hasText: "3PL default USD" }).getByText("3PL default USD").click();
    await arrive(page, /\/rate-cards\/rc_/);
    await page.getByTestId("rates-in-force").locator('tr[data-code="pick_first_unit"]').getByText("2.75").waitFor();

    await page.getByRole("tab", { name: "Draft" }).click();
    await page.getByRole("button", { name: "Start a new version" }).click();
    const editor = page.getByTestId("draft-editor");
    await editor.getByText("Version 2").waitFor();
    await editor.getByLabel("Value of pick_first_unit").fill("2.60");
    await editor.getByRole("button", { name: "Remove monthly_minimum" }).click();
    await editor.getByRole("button", { name: "Add a rate" }).click();
    const added = editor.getByRole("row").last();
    await added.getByLabel("Code").fill("pallet_wrap");
    await added.getByLabel("Value of pallet_wrap").fill("3,50");
    await editor.getByLabel("Note for the approver").fill("Q3 price review: pick fee down, wrap charged, no minimum");
    // "3,50" is not a decimal: the API names rates.pallet_wrap.value and the field shows it.
    await editor.getByRole("button", { name: "Save draft" }).click();
    await expect.poll(() => added.getByLabel("Value of pallet_wrap").getAttribute("aria-invalid")).toBe("true");
    await added.getByLabel("Value of pallet_wrap").fill("3.50");
    await added.getByLabel("Unit of pallet_wrap").fill("pallet");
    await editor.getByRole("button", { name: "Save draft" }).click();
    await page.getByText("Draft saved").waitFor();
    await page.evaluate(() => window.scrollTo(0, 0));
    await shoot(page, "rate-card-draft", { guide: true, fullPage: false });

    // A past start backdates the version: saved, the editor says which rated periods it covers (none here).
    await editor.getByLabel("In force from (UTC)").fill(ago({ months: 1 }).slice(0, 16));
    await editor.getByRole("button", { name: "Save draft" }).click();
    await page
      .getByTestId("affected-periods")
      .getByText("No usage period already rated with this card is covered.")
      .waitFor();

    await editor.getByRole("link", { name: "See the changes" }).click();
    const diff = page.getByTestId("rate-card-diff");
    await diff.getByText(/Version 1 → version 2: 1 added, 1 changed, 1 removed/).waitFor();
    const changed = diff.locator('tr[data-diff="changed"][data-code="pick_first_unit"]');
    expect(await changed.textContent()).toContain("2.75");
    expect(await changed.textContent()).toContain("2.60");
    expect(await diff.locator('tr[data-diff="removed"][data-code="monthly_minimum"]').textContent()).toContain(
      "1500.00",
    );
    expect(await diff.locator('tr[data-diff="added"][data-code="pallet_wrap"]').textContent()).toContain("3.50");
    await shoot(page, "rate-card-diff", { guide: true });

    await page.getByRole("tab", { name: "Draft" }).click();
    await page.getByRole("button", { name: "Send for approval" }).click();
    await arrive(page, /tab=history/);
    await page.getByTestId("pending-approval").getByRole("link", { name: "Open approvals" }).click();
    await arrive(page, /\/approvals/);
    const approval = page.getByRole("row").filter({ hasText: "rate_card.approve_version" });
    await approval.getByText(/version 2 \(1 added, 1 changed, 1 removed\)/).waitFor();
    await shoot(page, "rate-card-approval");
    await approval.getByRole("link", { name: "Review the changes" }).click();
    await arrive(page, /\/rate-cards\/rc_.*tab=diff/);
    await page
      .getByTestId("rate-card-diff")
      .getByText(/Version 1 → version 2/)
      .waitFor();
  });

  it("makes a customer's card holding only its negotiated rate, over the default's", async () => {
    await page.getByRole("link", { name: "Rate cards" }).click();
    await page.getByRole("button", { name: "New rate card" }).click();
    const modal = page.getByRole("dialog");
    await modal.getByRole("combobox", { name: "Customer" }).fill("Northwind");
    await page.getByRole("option", { name: /Northwind Logistics LLC/ }).click();
    await modal.getByLabel("Name").fill("Northwind rates");
    await modal.getByRole("button", { name: "Create card" }).click();
    await arrive(page, /\/rate-cards\/rc_.*tab=draft/);
    const editor = page.getByTestId("draft-editor");
    await editor.getByText("Version 1").waitFor();
    await editor.getByRole("button", { name: "Add a rate" }).click();
    await editor.getByLabel("Code").fill("pick_first_unit");
    await editor.getByLabel("Value of pick_first_unit").fill("2.40");
    await editor.getByRole("button", { name: "Save draft" }).click();
    await page.getByText("Draft saved").waitFor();
    // Not approved yet: the customer still pays the default's 2.75, inherited.
    await page.getByRole("tab", { name: "Rates in force" }).click();
    const pick = page.getByTestId("rates-in-force").locator('tr[data-code="pick_first_unit"]');
    await pick.getByText("Inherited from default").waitFor();
    expect(await pick.textContent()).toContain("2.75");
  });
});
