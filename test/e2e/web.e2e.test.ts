import { execFileSync } from "node:child_process";
import { mkdirSync } from "node:fs";
import { createServer, type Server } from "node:http";
import path from "node:path";
import type { FastifyInstance } from "fastify";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createUser, registerApprovalHandler, requestApproval, type User } from "../../src/access/index.js";
import { buildApp } from "../../src/api/app.js";
import { type RequestContext, systemContext } from "../../src/kernel/actor.js";
import { systemClock } from "../../src/kernel/clock.js";
import type { Deps } from "../../src/kernel/deps.js";
import { ensureDefaultChart, postManualEntry, reverseEntry } from "../../src/ledger/index.js";
import { GUIDE_DIR, launchChromium, OUTPUT_DIR, ROOT } from "../support/browser.js";
import { freshDatabase } from "../support/database.js";

/**
 * The web app as a person uses it: the real server (API and built web app) on
 * a fresh database, driven by Debian's Chromium. Screenshots of every step go
 * to test-output/ (git-ignored); the ones the guide shows go to docs/guide/img/.
 *
 * The app must be built: this file builds web/dist when it is missing or older
 * than its sources (scripts/ensure-web-build.mjs); CI builds before the run.
 */

const PASSWORD = "correct horse battery staple";
const EMAIL = "maria.lopez@example.com";

let app: FastifyInstance;
let browser: Browser;
let page: Page;
let baseUrl: string;
let user: User;

/** A webhook receiver on loopback that answers with whatever status the test sets. */
const receiver = { url: "", status: 200, signatures: [] as string[], server: undefined as Server | undefined };

async function startReceiver(): Promise<void> {
  const server = createServer((request, response) => {
    receiver.signatures.push(String(request.headers["accrue-signature"] ?? ""));
    request.resume();
    request.on("end", () => {
      response.statusCode = receiver.status;
      response.end(receiver.status < 300 ? "ok" : "unavailable");
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  if (address === null || typeof address === "string") throw new Error("the receiver has no port");
  receiver.server = server;
  receiver.url = `http://127.0.0.1:${address.port}/hooks/accrue`;
}

async function shoot(name: string, options: { guide?: boolean } = {}): Promise<void> {
  await page.waitForLoadState("networkidle");
  // Toasts fade out after a few seconds; the guide's pictures are taken without them.
  if (options.guide === true) {
    await page.waitForFunction(() => document.querySelectorAll(".mantine-Notification-root").length === 0, null, {
      timeout: 10_000,
    });
  }
  // Let modal and drawer transitions finish so the picture shows what a person sees.
  await page.waitForTimeout(350);
  await page.screenshot({ path: path.join(OUTPUT_DIR, `${name}.png`), fullPage: true });
  // The guide's pictures are refreshed on request only, so a test run leaves the docs as they are.
  if (options.guide === true && process.env.ACCRUE_UPDATE_SCREENSHOTS === "1")
    await page.screenshot({ path: path.join(GUIDE_DIR, `${name}.png`), fullPage: true });
}

/** Client-side navigations change the URL without a new page load, so wait for the URL alone. */
async function arrive(url: RegExp): Promise<void> {
  await page.waitForURL(url, { waitUntil: "commit" });
}

function userContext(who: User): RequestContext {
  return {
    actor: { type: "user", id: who.id, role: who.role, user_id: who.id, display_name: who.name },
    request_id: "req_e2e_seed",
  };
}

/** Data a person would find on a working day: a small chart with postings, approvals waiting. */
async function seed(deps: Deps): Promise<void> {
  const system = systemContext("e2e", "req_e2e_seed");
  user = await createUser(deps, system, { email: EMAIL, name: "Maria Lopez", role: "admin", password: PASSWORD });
  const colleague = await createUser(deps, system, {
    email: "sam.okafor@example.com",
    name: "Sam Okafor",
    role: "billing_analyst",
    password: PASSWORD,
  });
  const chart = await ensureDefaultChart(deps, "USD");
  const today = systemClock.now().toZonedDateTimeISO("UTC").toPlainDate();
  const postings: [string, string, string, string][] = [
    ["Invoice INV-0001 to Acme Logistics", chart.accounts_receivable.id, chart.revenue.id, "12500.00"],
    ["Sales tax on INV-0001", chart.accounts_receivable.id, chart.tax_payable.id, "1031.25"],
    ["Payment from Acme Logistics", chart.cash.id, chart.accounts_receivable.id, "8000.00"],
    ["Card processing fee", chart.gateway_fees.id, chart.cash.id, "232.30"],
  ];
  for (const [index, [memo, debit, credit, amount]] of postings.entries()) {
    await postManualEntry(deps, userContext(user), {
      effective_date: today.subtract({ days: 6 - index }).toString(),
      memo,
      lines: [
        { account: debit, debit: amount },
        { account: credit, credit: amount },
      ],
    });
  }
  const duplicate = await postManualEntry(deps, userContext(user), {
    effective_date: today.subtract({ days: 2 }).toString(),
    memo: "Payment from Acme Logistics (entered twice)",
    lines: [
      { account: chart.cash.id, debit: "8000.00" },
      { account: chart.accounts_receivable.id, credit: "8000.00" },
    ],
  });
  await reverseEntry(deps, userContext(user), duplicate.id, {
    effective_date: today.subtract({ days: 1 }).toString(),
    memo: "Reverse the duplicate payment",
  });
  // Approvals need a module that carries them out; a no-op stands in for one here.
  registerApprovalHandler("credit_notes.issue", async () => {});
  await requestApproval(deps, userContext(colleague), {
    action: "credit_notes.issue",
    object_type: "invoice",
    object_id: "inv_e2e_0001",
    payload: {},
    summary: "Credit note of $450.00 on INV-0001 for Acme Logistics (late delivery)",
  });
  await requestApproval(deps, userContext(user), {
    action: "credit_notes.issue",
    object_type: "invoice",
    object_id: "inv_e2e_0002",
    payload: {},
    summary: "Credit note of $80.00 on INV-0002 for Borealis Foods (duplicate line)",
  });
}

beforeAll(async () => {
  execFileSync("node", [path.join(ROOT, "scripts/ensure-web-build.mjs")], { cwd: ROOT, stdio: "inherit" });
  mkdirSync(OUTPUT_DIR, { recursive: true });
  mkdirSync(GUIDE_DIR, { recursive: true });
  const { db } = await freshDatabase();
  const deps: Deps = { db, clock: systemClock };
  await seed(deps);
  app = await buildApp({ ...deps, config: { webDistDir: path.join(ROOT, "web/dist") } });
  baseUrl = await app.listen({ host: "127.0.0.1", port: 0 });
  await startReceiver();
  browser = await launchChromium();
  const context = await browser.newContext({ viewport: { width: 1440, height: 900 }, locale: "en-US" });
  page = await context.newPage();
  page.setDefaultTimeout(15_000);
  // A failing step is easier to read with the browser's own complaints beside it.
  page.on("pageerror", (error) => console.error(`[browser] ${error.message}`));
  page.on("console", (message) => {
    if (message.type() === "error") console.error(`[browser console] ${message.text()}`);
  });
});

afterAll(async () => {
  await browser?.close();
  await app?.close();
  receiver.server?.close();
});

describe("the web app in Chromium", () => {
  it("serves a page's path as the app, each page's code apart, and a missing asset as a 404", async () => {
    const deepLink = await fetch(`${baseUrl}/invoices/inv_01jx0000000000000000000000`);
    expect(deepLink.status).toBe(200);
    expect(deepLink.headers.get("content-type")).toContain("text/html");
    const html = await deepLink.text();
    // The entry script only: pages are chunks of their own, fetched when first visited.
    const entry = /<script type="module" crossorigin src="(\/assets\/[^"]+\.js)"/.exec(html)?.[1];
    expect(entry).toBeDefined();
    expect(deepLink.headers.get("cache-control")).toBe("no-cache");
    const entryResponse = await fetch(`${baseUrl}${entry}`);
    // Named by its content, so kept for good; the page naming it is asked for each time.
    expect(entryResponse.headers.get("cache-control")).toBe("public, max-age=31536000, immutable");
    const script = await entryResponse.text();
    expect(script).toMatch(/import\([`"']\.\/invoice-detail-[\w-]+\.js[`"']\)/);
    const missing = await fetch(`${baseUrl}/assets/gone-Zz9.js`);
    expect(missing.status).toBe(404);
  });

  it("refuses a wrong password and says so", async () => {
    await page.goto(`${baseUrl}/ledger/trial-balance`);
    await arrive(/\/login/);
    await shoot("login", { guide: true });
    await page.getByLabel("Email").fill(EMAIL);
    await page.locator('input[name="password"]').fill("not the password");
    await page.getByRole("button", { name: "Sign in" }).click();
    const alert = page.getByRole("alert").filter({ hasText: "Could not sign in" });
    await alert.waitFor();
    expect(await alert.textContent()).toContain("The email or password is incorrect.");
    await shoot("login-error");
  });

  it("signs in and shows a balanced trial balance", async () => {
    await page.locator('input[name="password"]').fill(PASSWORD);
    await page.getByRole("button", { name: "Sign in" }).click();
    await arrive(/\/ledger\/trial-balance/);
    await page.getByTestId("balanced-badge").waitFor();
    expect(await page.getByTestId("balanced-badge").textContent()).toBe("Balanced");
    expect(await page.getByTestId("user-name").textContent()).toBe("Maria Lopez");
    const table = page.getByRole("table").first();
    for (const account of ["Cash", "Accounts receivable", "Revenue", "Tax payable", "Gateway fees"]) {
      await table.getByRole("cell", { name: account, exact: true }).first().waitFor();
    }
    // 12,500.00 + 1,031.25 + 8,000.00 + 232.30 + 8,000.00 (duplicate) + 8,000.00 (its reversal) = 37,763.55 a side
    await page.getByTestId("totals-USD").getByText("$37,763.55").first().waitFor();
    await shoot("trial-balance", { guide: true });
  });

  it("lists journal entries and follows a reversal from its drawer", async () => {
    await page.getByRole("link", { name: "Journal entries" }).click();
    await arrive(/\/ledger\/entries/);
    await page.getByRole("cell", { name: "Invoice INV-0001 to Acme Logistics" }).click();
    const drawer = page.getByRole("dialog");
    await drawer.getByText("Total USD").waitFor();
    expect(await drawer.textContent()).toContain("$12,500.00");
    await shoot("journal-entry", { guide: true });
    await page.keyboard.press("Escape");
    await drawer.waitFor({ state: "hidden" });
    await shoot("journal-entries", { guide: true });

    await page.getByRole("cell", { name: "Payment from Acme Logistics (entered twice)" }).click();
    await drawer.getByText("Reversed by").waitFor();
    await drawer.getByText("Reversed by").getByRole("button").click();
    await drawer.getByText("Reverse the duplicate payment").waitFor();
    await drawer.getByText("Reverses").waitFor();
    await page.keyboard.press("Escape");
    await drawer.waitFor({ state: "hidden" });
  });

  it("creates an API key and shows its secret once", async () => {
    await page.getByRole("link", { name: "API keys" }).click();
    await arrive(/\/developers\/api-keys/);
    await page.getByRole("button", { name: "Create key" }).click();
    const modal = page.getByRole("dialog");
    await modal.getByLabel("Name").fill("Warehouse sync");
    await modal.getByRole("button", { name: "Create key" }).click();
    const secretBox = modal.getByTestId("revealed-secret");
    await secretBox.waitFor();
    const secret = (await secretBox.textContent()) ?? "";
    expect(secret).toMatch(/^sk_/);
    expect(await modal.textContent()).toContain("only time");
    await shoot("api-key-created", { guide: true });

    await modal.getByRole("button", { name: "I have copied it" }).click();
    await modal.waitFor({ state: "hidden" });
    await page.getByRole("cell", { name: "Warehouse sync" }).waitFor();
    expect(await page.content()).not.toContain(secret);
    // Opening the dialog again starts a new key; the old secret is gone for good.
    await page.getByRole("button", { name: "Create key" }).click();
    await page.getByRole("dialog").getByLabel("Name").waitFor();
    expect(await page.content()).not.toContain(secret);
    await page.keyboard.press("Escape");
    await shoot("api-keys", { guide: true });

    // A second key, revoked after a confirmation: hidden from the list until revoked keys are shown.
    await page.getByRole("button", { name: "Create key" }).click();
    await modal.getByLabel("Name").fill("Old importer");
    await modal.getByRole("button", { name: "Create key" }).click();
    await modal.getByTestId("revealed-secret").waitFor();
    await modal.getByRole("button", { name: "I have copied it" }).click();
    await modal.waitFor({ state: "hidden" });
    await page.getByRole("row").filter({ hasText: "Old importer" }).getByRole("button", { name: "Revoke" }).click();
    await page.getByRole("dialog").getByRole("button", { name: "Revoke key" }).click();
    await page.getByRole("dialog").waitFor({ state: "hidden" });
    await page.getByRole("row").filter({ hasText: "Old importer" }).waitFor({ state: "detached" });
    await page.getByRole("switch", { name: "Show revoked keys" }).click();
    await page
      .getByRole("row")
      .filter({ hasText: "Old importer" })
      .getByText(/Revoked/)
      .waitFor();
  });

  it("shows the audit log with an intact chain and a diff", async () => {
    await page.getByRole("link", { name: "Audit log" }).click();
    await arrive(/\/audit-log/);
    await page
      .getByTestId("chain-status")
      .getByText(/Chain intact, \d+ rows checked/)
      .waitFor();
    await shoot("audit-log", { guide: true });
    // Newest first: the last api_key.created row is the first key, "Warehouse sync".
    await page.getByRole("cell", { name: "api_key.created" }).last().click();
    const diff = page.getByTestId("audit-diff");
    await diff.waitFor();
    expect(await diff.textContent()).toContain("Warehouse sync");
    expect(await diff.textContent()).toContain("Added");
    await shoot("audit-event", { guide: true });
    await page.keyboard.press("Escape");
  });

  it("refuses self-approval with the API's message and approves a colleague's request", async () => {
    await page.getByRole("link", { name: "Approvals" }).click();
    await arrive(/\/approvals/);
    await shoot("approvals", { guide: true });

    const own = page.getByRole("row").filter({ hasText: "Borealis Foods" });
    await own.getByRole("button", { name: "Approve" }).click();
    const modal = page.getByRole("dialog");
    await modal.getByRole("button", { name: "Approve" }).click();
    const refusal = modal.getByRole("alert");
    await refusal.waitFor();
    expect(await refusal.textContent()).toContain("approval_self_decision");
    await shoot("approval-self-refused");
    await modal.getByRole("button", { name: "Cancel" }).click();
    await modal.waitFor({ state: "hidden" });

    const theirs = page.getByRole("row").filter({ hasText: "Acme Logistics" });
    await theirs.getByRole("button", { name: "Approve" }).click();
    await modal.getByLabel("Comment").fill("Delivery was four days late; agreed with the account manager.");
    await modal.getByRole("button", { name: "Approve" }).click();
    await modal.waitFor({ state: "hidden" });
    await page.getByRole("row").filter({ hasText: "Acme Logistics" }).waitFor({ state: "detached" });
  });

  it("adds a webhook endpoint, shows its signing secret once, and resends a failed delivery", async () => {
    await page.getByRole("link", { name: "Webhook endpoints" }).click();
    await arrive(/\/developers\/webhooks/);
    await page.getByRole("button", { name: "Add endpoint" }).click();
    const modal = page.getByRole("dialog");
    // A bad field is named: the alert says which, and the field itself is marked.
    await modal.getByLabel("URL").fill("ftp://files.example.com/drop");
    await modal.getByRole("button", { name: "Add endpoint" }).click();
    await modal.getByRole("alert").getByText("Field: url").waitFor();
    expect(await modal.getByLabel("URL").getAttribute("aria-invalid")).toBe("true");
    await shoot("webhook-endpoint-error", { guide: true });
    await modal.getByLabel("URL").fill(receiver.url);
    await modal.getByLabel("Description").fill("Finance data warehouse");
    await modal.getByRole("button", { name: "Add endpoint" }).click();
    const secret = (await modal.getByTestId("revealed-secret").textContent()) ?? "";
    expect(secret).toMatch(/^whsec_/);
    await modal.getByRole("button", { name: "I have copied it" }).click();
    await modal.waitFor({ state: "hidden" });
    expect(await page.content()).not.toContain(secret);

    await page.getByRole("cell", { name: receiver.url }).click();
    const drawer = page.getByRole("dialog");
    await drawer.getByText("Nothing has been sent to this endpoint yet.").waitFor();
    receiver.status = 200;
    await drawer.getByRole("button", { name: "Send test event" }).click();
    await drawer.getByText("Succeeded").waitFor();
    receiver.status = 503;
    await drawer.getByRole("button", { name: "Send test event" }).click();
    await drawer.getByText("Failed").waitFor();
    await shoot("webhook-deliveries", { guide: true });

    receiver.status = 200;
    const failed = drawer.getByRole("row").filter({ hasText: "Failed" });
    await failed.getByRole("button", { name: "Resend" }).click();
    await drawer.getByRole("row").filter({ hasText: "Failed" }).waitFor({ state: "detached" });
    expect(await drawer.getByText("Succeeded").count()).toBe(2);
    // ping, failed ping, resent ping: each signed with the endpoint's secret.
    expect(receiver.signatures).toHaveLength(3);
    for (const signature of receiver.signatures) expect(signature).toMatch(/^t=\d+,v1=[0-9a-f]{64}/);
    await page.keyboard.press("Escape");
    await shoot("webhook-endpoints", { guide: true });
  });

  it("signs out", async () => {
    await page.getByRole("button", { name: "Sign out" }).click();
    await arrive(/\/login/);
    await page.goto(`${baseUrl}/audit-log`);
    await arrive(/\/login\?redirect=/);
  });
});
