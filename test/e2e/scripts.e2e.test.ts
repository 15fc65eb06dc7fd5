import { execFileSync } from "node:child_process";
import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { approve, createApiKey, createUser } from "../../src/access/index.js";
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
 * Charge scripts in the web app, as a billing system analyst works them: a
 * published pick-and-pack script gets a new draft in the editor; a typo
 * fails its test case with the line marked in the editor; the fix and an
 * updated expectation pass; a backtest over last month's real orders shows
 * exactly the new charge per customer; publishing leaves the version
 * waiting for a second person in Approvals. The real server and built web
 * app on a fresh database, driven by Debian's Chromium.
 */

const EMAIL = "grace.hopper@example.com";
const REQUEST_ID = "req_e2e_scripts_seed";

let web: WebApp;
let page: Page;
const seeded = { script: "", northwind: "", borealis: "" };

/** Version 1: a pick fee per order for its first unit, nothing for the others. */
const V1_SOURCE = `-- Pick and pack: an order pays for its first unit.
function charge(event, rates, ctx)
  if event.type ~= "order.shipped" then return nil end
  return {
    { code = "pick_first_unit", quantity = 1, unit_price = rates.pick_first_unit },
  }
end
`;

/** Version 2 adds each unit after the first; `event.unit` is the typo the test case catches (line 6). */
const V2_TYPO = V1_SOURCE.replace(
  "  }\nend",
  '    { code = "pick_additional_unit", quantity = event.unit - 1, unit_price = rates.pick_additional_unit },\n  }\nend',
);
const V2_FIXED = V2_TYPO.replace("event.unit - 1", "event.units - 1");

const ORDER_CASE = {
  name: "an order of three units",
  events: [
    { transaction_id: "o-1", type: "order.shipped", timestamp: "2026-11-04T12:00:00Z", properties: { units: 3 } },
  ],
  rates: { pick_first_unit: "2.75", pick_additional_unit: "0.45" },
  expected: { charges: [{ code: "pick_first_unit", quantity: "1", unit_price: "2.75", amount: "2.75" }] },
};

/** Mid-month last month (UTC): inside the period the backtest panel offers by default. */
function lastMonth(day: number, hour: number): string {
  const now = systemClock.now().toZonedDateTimeISO("UTC");
  return now
    .subtract({ months: 1 })
    .with({ day, hour, minute: 0, second: 0, millisecond: 0, microsecond: 0, nanosecond: 0 })
    .toInstant()
    .toString();
}

/** Replaces the editor's whole text, as pasting would: typed keys would be auto-indented and auto-closed. */
async function replaceSource(source: string): Promise<void> {
  const content = page.getByTestId("lua-editor").locator(".cm-content");
  await content.click();
  await page.keyboard.press("ControlOrMeta+a");
  await page.keyboard.insertText(source);
}

async function seed(): Promise<void> {
  const deps = web.deps;
  const system = systemContext("e2e", REQUEST_ID);
  const grace = await createUser(deps, system, {
    email: EMAIL,
    name: "Grace Hopper",
    role: "admin",
    password: PASSWORD,
  });
  const checker = await createUser(deps, system, {
    email: "ada.lovelace@example.com",
    name: "Ada Lovelace",
    role: "approver",
    password: PASSWORD,
  });
  const apiKey = (await createApiKey(deps, userContext(grace, REQUEST_ID), { name: "Script author", role: "admin" }))
    .secret;
  const callApi = apiCaller(web.baseUrl, apiKey);
  await ensureDefault3plRateCard(deps, system);
  for (const [key, legal_name, external_id] of [
    ["northwind", "Northwind Logistics LLC", "NW-3PL"],
    ["borealis", "Borealis Foods LLC", "BOREALIS-WMS"],
  ] as const) {
    seeded[key] = (
      await createCustomer(deps, userContext(grace, REQUEST_ID), { legal_name, external_id, currency: "USD" })
    ).id;
  }
  const script = await callApi<{ id: string }>("POST", "/v1/scripts", {
    name: "3PL pick and pack",
    description: "Pick fees for shipped orders",
    currency: "USD",
    is_default: true,
  });
  seeded.script = script.id;
  const v1 = await callApi<{ id: string }>("POST", `/v1/scripts/${script.id}/versions`, {
    source: V1_SOURCE,
    test_cases: [ORDER_CASE],
  });
  // In force long before last month, so the backtest's "before" is version 1 for every order.
  const request = await callApi<{ approval: { id: string } }>(
    "POST",
    `/v1/scripts/${script.id}/versions/${v1.id}/publish`,
    { effective_from: "2026-01-01T00:00:00Z" },
  );
  await approve(deps, userContext(checker, REQUEST_ID), request.approval.id);
  await callApi("POST", "/v1/events/batch", {
    events: [
      {
        transaction_id: "SO-101",
        customer: "NW-3PL",
        type: "order.shipped",
        timestamp: lastMonth(10, 9),
        properties: { units: 3 },
      },
      {
        transaction_id: "SO-102",
        customer: "NW-3PL",
        type: "order.shipped",
        timestamp: lastMonth(12, 15),
        properties: { units: 5 },
      },
      {
        transaction_id: "SO-201",
        customer: "BOREALIS-WMS",
        type: "order.shipped",
        timestamp: lastMonth(14, 11),
        properties: { units: 2 },
      },
    ],
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

describe("charge scripts in the web app", () => {
  it("lists the scripts with the published version and opens a new draft", async () => {
    await page.goto(`${web.baseUrl}/scripts`);
    await signIn(page, EMAIL);
    await arrive(page, /\/scripts$/);
    const row = page.getByTestId("scripts-table").locator('tr[data-script="3PL pick and pack"]');
    await row.getByText("Version 1").waitFor();
    expect(await row.textContent()).toContain("Default");
    await shoot(page, "scripts", { guide: true });

    await row.click();
    await arrive(page, /\/scripts\/scr_[^/]+$/);
    await page.getByTestId("versions-table").locator('tr[data-version="1"]').getByText("Published").waitFor();
    await page.getByRole("button", { name: "New draft from version 1" }).click();
    await arrive(page, /\/scripts\/scr_.*\/versions\/scrv_/);
    await page.getByTestId("version-status").getByText("Draft").waitFor();
    // The draft starts as a copy of version 1: its source and its passing case.
    await page.getByTestId("lua-editor").getByText("pick_first_unit").first().waitFor();
    await page.getByTestId("test-case").getByLabel("Case 1 name").waitFor();
  });

  it("shows a failing test case with its line marked, then passes once fixed", async () => {
    // A syntax error is refused on save, nothing stored, and its line marked.
    await replaceSource(V1_SOURCE.replace("quantity = 1,", "quantity = 1"));
    await page.getByRole("button", { name: "Save", exact: true }).click();
    await page.getByRole("alert").filter({ hasText: "script_syntax_error" }).waitFor();
    await page.locator(".cm-line[data-error-line]").waitFor();

    await replaceSource(V2_TYPO);
    await page.getByRole("button", { name: "Save", exact: true }).click();
    const result = page.getByTestId("test-result").filter({ hasText: "an order of three units" });
    await expect.poll(() => result.getAttribute("data-passed")).toBe("false");
    // The typo is on line 6: the event is unrated with a runtime error there, and the editor marks the line.
    await result
      .getByTestId("unrated-error")
      .getByText(/script_runtime_error at line 6/)
      .waitFor();
    await page.locator('.cm-line[data-error-line="6"]').waitFor();
    await page.getByTestId("error-line").getByText("Error at line 6").waitFor();
    expect(await page.getByRole("button", { name: "Publish" }).isDisabled()).toBe(true);
    // A tall window shows the marked line and the failed case in one picture, without the fixed header over it.
    await page.setViewportSize({ width: 1440, height: 1400 });
    await page.evaluate(() => window.scrollTo(0, 0));
    await shoot(page, "script-editor-failing", { guide: true, fullPage: false });
    await page.setViewportSize({ width: 1440, height: 900 });

    await replaceSource(V2_FIXED);
    // Tried without saving: the script runs, but the case still expects the old charges.
    await page.getByRole("button", { name: "Run tests" }).click();
    await result.getByText(/charge 2 \(pick_additional_unit\): not expected \(quantity 2, amount 0.90\)/).waitFor();
    await page.locator(".cm-line[data-error-line]").waitFor({ state: "detached" });

    // 3 units: the first at 2.75, two more at 0.45 = 0.90.
    await page.getByLabel("Case 1 Expected charges (JSON)").fill(
      JSON.stringify(
        [
          { code: "pick_first_unit", quantity: "1", unit_price: "2.75", amount: "2.75" },
          { code: "pick_additional_unit", quantity: "2", unit_price: "0.45", amount: "0.90" },
        ],
        null,
        2,
      ),
    );
    await page.getByLabel("Notes for the approver").fill("Charge each unit after the first");
    await page.getByRole("button", { name: "Save", exact: true }).click();
    await page.getByText("Draft saved").waitFor();
    await expect.poll(() => result.getAttribute("data-passed")).toBe("true");
    await page.getByTestId("test-summary").getByText("Saved version: 1 passed, 0 failed").waitFor();
    await expect.poll(() => page.getByRole("button", { name: "Publish" }).isDisabled()).toBe(false);
    await page.evaluate(() => window.scrollTo(0, 0));
    await shoot(page, "script-editor", { guide: true, fullPage: false });
  });

  it("backtests the draft over last month's orders", async () => {
    await page.getByRole("tab", { name: "Backtest" }).click();
    await page.getByRole("button", { name: "Run backtest" }).click();
    const table = page.getByTestId("backtest-table");
    await table.locator("tbody tr").first().waitFor();
    await page
      .getByTestId("backtest-summary")
      .getByText(/3 events of 2 customers/)
      .waitFor();
    // Northwind: SO-101 3 units and SO-102 5 units: (3 − 1) + (5 − 1) = 6 more units × 0.45 = 2.70.
    const northwind = table.locator('tr[data-code="pick_additional_unit"]').filter({ hasText: "NW-3PL" });
    expect(await northwind.getByTestId("amount-difference").textContent()).toBe("$2.70");
    // Borealis: SO-201 2 units: 1 more unit × 0.45 = 0.45.
    const borealis = table.locator('tr[data-code="pick_additional_unit"]').filter({ hasText: "BOREALIS-WMS" });
    expect(await borealis.getByTestId("amount-difference").textContent()).toBe("$0.45");
    // The first-unit fee does not change: 2 orders × 2.75 = 5.50 before and after.
    const unchanged = table.locator('tr[data-code="pick_first_unit"]').filter({ hasText: "NW-3PL" });
    expect(await unchanged.getAttribute("data-changed")).toBe("false");
    // Total: 2.70 + 0.45 = 3.15 more.
    await page.getByTestId("backtest-totals").getByText("$3.15").waitFor();
    await shoot(page, "script-backtest", { guide: true });

    const download = page.waitForEvent("download");
    await page.getByRole("link", { name: "Download CSV" }).click();
    const csvPath = await (await download).path();
    const csv = execFileSync("cat", [csvPath], { encoding: "utf8" });
    expect(csv.split("\r\n")[0]).toContain("amount_difference");
    expect(csv).toContain("NW-3PL,USD,pick_additional_unit,,0,0.00,6,2.70,6,2.70");
  });

  it("publishes with approval: the version waits for a second person", async () => {
    await page.getByRole("tab", { name: "Edit and test" }).click();
    await page.getByRole("button", { name: "Publish" }).click();
    await page.getByTestId("pending-approval").waitFor();
    await page.getByTestId("version-status").getByText("Waiting for approval").waitFor();
    await shoot(page, "script-pending-approval");
    await page.getByTestId("pending-approval").getByRole("link", { name: "Open approvals" }).click();
    await arrive(page, /\/approvals/);
    const approval = page.getByRole("row").filter({ hasText: "script_version.publish" });
    await approval.getByText(/Publish version 2 of charge script 3PL pick and pack/).waitFor();
    await shoot(page, "script-approval");
  });
});
