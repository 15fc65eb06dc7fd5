import { describe, expect, it } from "vitest";
import { testApp } from "../../test/support/app.js";
import { freshDatabase } from "../../test/support/database.js";
import { TestClock } from "../kernel/clock.js";

const { db } = await freshDatabase();
const clock = new TestClock("2026-04-01T09:00:00Z");
const { app, adminKey, keyFor, auth } = await testApp({ db, clock });
const admin = auth(adminKey);

async function call(method: "GET" | "POST", url: string, payload?: object, headers = admin) {
  const response = await app.inject({ method, url, headers, ...(payload === undefined ? {} : { payload }) });
  return { status: response.statusCode, body: response.json() };
}

const MARCH = { start: "2026-03-01T00:00:00Z", end: "2026-04-01T00:00:00Z" };
const BERLIN = { line1: "Hauptstr. 1", city: "Berlin", postal_code: "10115", country: "DE" };

async function newCustomer(changes: object = {}) {
  const created = await call("POST", "/v1/customers", {
    legal_name: "Contoso GmbH",
    currency: "EUR",
    billing_address: BERLIN,
    tax_ids: [{ type: "eu_vat", value: "DE123456789" }],
    ...changes,
  });
  expect(created.status).toBe(200);
  return created.body.id as string;
}

async function newDraft(customer: string, amount = "1200", headers = admin) {
  const created = await call(
    "POST",
    "/v1/invoices",
    { customer, lines: [{ description: "Seats, March", unit_amount: amount, period: MARCH }] },
    headers,
  );
  expect(created.status).toBe(200);
  return created.body.id as string;
}

describe("review settings routes", () => {
  it("shows the defaults, then a patch, audited; the AR role may read but not change them", async () => {
    const defaults = await call("GET", "/v1/review_settings");
    expect(defaults.body).toMatchObject({
      object: "review_settings",
      enforce_checklist: true,
      approval_amount_by_currency: {},
      auto_finalize_grace_hours: null,
      deviation_percent_max: "50",
      updated_at: null,
    });
    expect(defaults.body.rules.purchase_order).toEqual({ enabled: true, severity: "blocking" });
    const arKey = auth(await keyFor("ar_specialist"));
    expect((await call("POST", "/v1/review_settings", { enforce_checklist: false }, arKey)).status).toBe(403);
    const changed = await call("POST", "/v1/review_settings", {
      enforce_checklist: false,
      rules: { line_without_period: { enabled: false, severity: "info" } },
      approval_amount_by_currency: { EUR: "5000" },
    });
    expect(changed).toMatchObject({
      status: 200,
      body: {
        enforce_checklist: false,
        approval_amount_by_currency: { EUR: "5000.00" },
        updated_at: "2026-04-01T09:00:00Z",
      },
    });
    expect(changed.body.rules.line_without_period).toEqual({ enabled: false, severity: "info" });
    const audit = await call("GET", "/v1/audit_events?limit=5");
    expect(audit.body.data.map((row: { action: string }) => row.action)).toContain("review_settings.updated");
    // Back to enforcing, as the rest of this file expects.
    expect((await call("POST", "/v1/review_settings", { enforce_checklist: true })).body.enforce_checklist).toBe(true);
  });

  it("refuses bad settings naming the field", async () => {
    const bad = await call("POST", "/v1/review_settings", { approval_amount_by_currency: { EUR: "10.001" } });
    expect(bad).toMatchObject({ status: 400, body: { error: { param: "approval_amount_by_currency.EUR" } } });
    const grace = await call("POST", "/v1/review_settings", { auto_finalize_grace_hours: 1.5 });
    expect(grace).toMatchObject({ status: 400, body: { error: { param: "auto_finalize_grace_hours" } } });
  });

  it("keeps a customer's own settings over the company's, and null clears one back", async () => {
    const customer = await newCustomer();
    const url = `/v1/customers/${customer}/review_settings`;
    const own = await call("POST", url, {
      auto_finalize_grace_hours: 48,
      rules: { total_deviation: { enabled: true, severity: "blocking" } },
    });
    expect(own.body).toMatchObject({
      object: "customer_review_settings",
      customer,
      overrides: { auto_finalize_grace_hours: 48, rules: { total_deviation: { enabled: true, severity: "blocking" } } },
      effective: { auto_finalize_grace_hours: 48, enforce_checklist: true },
    });
    expect(own.body.effective.rules.total_deviation.severity).toBe("blocking");
    const cleared = await call("POST", url, { auto_finalize_grace_hours: null, rules: { total_deviation: null } });
    expect(cleared.body.overrides).toEqual({});
    expect(cleared.body.effective).toMatchObject({ auto_finalize_grace_hours: null });
    expect(cleared.body.effective.rules.total_deviation.severity).toBe("warning");
    expect((await call("GET", "/v1/customers/no-such-customer/review_settings")).status).toBe(404);
  });
});

describe("review, override and finalize routes", () => {
  it("blocks finalizing with 409 until the finding is overridden with a reason", async () => {
    const customer = await newCustomer({ billing_address: null });
    const invoice = await newDraft(customer);
    const review = await call("GET", `/v1/invoices/${invoice}/review`);
    expect(review.body).toMatchObject({
      invoice_id: invoice,
      blocking: 1,
      warnings: 0,
      can_finalize: false,
      approval_required: false,
      auto_finalize_at: null,
      findings: [
        { rule: "billing_address", severity: "blocking", details: { param: "billing_address" }, override: null },
      ],
    });
    const blocked = await call("POST", `/v1/invoices/${invoice}/finalize`);
    expect(blocked).toMatchObject({
      status: 409,
      body: { error: { code: "invoice_review_blocked", details: { rules: ["billing_address"] } } },
    });
    expect(blocked.body.error.message).toContain("billing_address");
    const empty = await call("POST", `/v1/invoices/${invoice}/findings/billing_address/override`, { reason: "" });
    expect(empty).toMatchObject({ status: 400, body: { error: { param: "reason" } } });
    const unknown = await call("POST", `/v1/invoices/${invoice}/findings/no_such_rule/override`, { reason: "x" });
    expect(unknown).toMatchObject({ status: 400, body: { error: { param: "rule" } } });
    const overridden = await call("POST", `/v1/invoices/${invoice}/findings/billing_address/override`, {
      reason: "Address confirmed by phone; customer updates it next week",
    });
    expect(overridden.body).toMatchObject({ blocking: 0, can_finalize: true });
    expect(overridden.body.findings[0].override).toMatchObject({ overridden_at: "2026-04-01T09:00:00Z" });
    const finalized = await call("POST", `/v1/invoices/${invoice}/finalize`);
    expect(finalized).toMatchObject({ status: 200, body: { status: "open", number: "INV-2026-000001" } });
  });

  it("lists the review queue oldest first, by customer", async () => {
    const customer = await newCustomer({ billing_address: null });
    const first = await newDraft(customer);
    const second = await newDraft(customer, "900");
    const queue = await call("GET", `/v1/review_queue?customer=${customer}`);
    expect(queue.body).toMatchObject({ object: "list", has_more: false });
    expect(queue.body.data.map((row: { invoice: { id: string } }) => row.invoice.id)).toEqual([first, second]);
    expect(queue.body.data[0]).toMatchObject({ invoice: { status: "draft" }, blocking: 1, auto_finalize_at: null });
  });

  it("asks for approval above the threshold: 202, the maker cannot approve, the checker can", async () => {
    const customer = await newCustomer();
    const invoice = await newDraft(customer, "6000"); // 6,000.00 > the 5,000.00 EUR threshold
    expect((await call("GET", `/v1/invoices/${invoice}/review`)).body.approval_required).toBe(true);
    const asked = await call("POST", `/v1/invoices/${invoice}/finalize`);
    expect(asked).toMatchObject({
      status: 202,
      body: { approval: { action: "invoice.finalize", object_id: invoice, status: "pending" } },
    });
    const approval = asked.body.approval.id as string;
    const own = await call("POST", `/v1/approvals/${approval}/approve`);
    expect(own).toMatchObject({ status: 403, body: { error: { code: "approval_self_decision" } } });
    expect((await call("GET", `/v1/invoices/${invoice}`)).body.status).toBe("draft");
    const checker = auth(await keyFor("approver"));
    const approved = await call("POST", `/v1/approvals/${approval}/approve`, { comment: "Matches the order" }, checker);
    expect(approved).toMatchObject({ status: 200, body: { status: "approved" } });
    const after = await call("GET", `/v1/invoices/${invoice}`);
    expect(after.body).toMatchObject({ status: "open", number: expect.stringMatching(/^INV-2026-\d{6}$/) });
  });
});
