import { sql } from "kysely";
import { extractText } from "unpdf";
import { describe, expect, it } from "vitest";
import { testApp } from "../../test/support/app.js";
import { freshDatabase } from "../../test/support/database.js";
import { TestClock } from "../kernel/clock.js";
import { newId } from "../kernel/ids.js";

const { db } = await freshDatabase();
const clock = new TestClock("2026-09-14T08:00:00Z");
const { app, adminKey, keyFor, auth } = await testApp({ db, clock });
const admin = auth(adminKey);

async function call(method: "GET" | "POST", url: string, payload?: object, headers = admin) {
  const response = await app.inject({ method, url, headers, ...(payload === undefined ? {} : { payload }) });
  return { status: response.statusCode, body: response.json() };
}

async function notesWritten(): Promise<number> {
  const rows = await sql<{ n: string }>`select count(*) as n from credit_notes`.execute(db);
  return Number(rows.rows[0]?.n);
}

const customer = (
  await call("POST", "/v1/customers", {
    legal_name: "Fabrikam Inc",
    currency: "USD",
    billing_address: { line1: "1 Microsoft Way", city: "Redmond", region: "WA", postal_code: "98052", country: "US" },
    locale: "en-US",
    payment_terms: { type: "net", days: 30 },
  })
).body.id as string;

let month = 0;

/**
 * 10 seats × 120.00 at 8.875 % sales tax: 1,200.00 + 106.50 = 1,306.50, for
 * the next month each time (the same amount for the same period would be
 * held by the review checklist as a possible duplicate).
 */
async function finalizedInvoice() {
  month += 1;
  const period = {
    start: `2026-${String(month).padStart(2, "0")}-01T00:00:00Z`,
    end: `${month === 12 ? "2027-01" : `2026-${String(month + 1).padStart(2, "0")}`}-01T00:00:00Z`,
  };
  const draft = await call("POST", "/v1/invoices", {
    customer,
    lines: [
      { description: "Seats", period, quantity: "10", unit_amount: "120", tax_rate: "8.875", tax_name: "Sales tax" },
    ],
  });
  const invoice = await call("POST", `/v1/invoices/${draft.body.id}/finalize`);
  return { id: invoice.body.id as string, number: invoice.body.number as string, line: invoice.body.lines[0].id };
}

describe("credit note routes", () => {
  it("issues a partial credit note, shows it on the invoice and serves its PDF", async () => {
    const invoice = await finalizedInvoice();
    const body = {
      invoice: invoice.id,
      scope: "lines",
      lines: [{ line: invoice.line, quantity: "3" }],
      reason: "order_change",
      outcome: "reduce_amount_due",
      memo: "Three seats removed at signup",
    };
    const preview = await call("POST", "/v1/credit_notes/preview", body);
    // 3 of 10: net 1,200.00 × 3/10 = 360.00; tax 106.50 × 360/1,200 = 31.95; total 391.95.
    expect(preview.body).toMatchObject({ object: "credit_note_preview", total: "391.95", approval_required: false });
    expect(await notesWritten()).toBe(0);
    const created = await call("POST", "/v1/credit_notes", body);
    expect(created).toMatchObject({
      status: 200,
      body: {
        object: "credit_note",
        number: "CN-2026-000001",
        invoice_number: invoice.number,
        status: "issued",
        subtotal: "360.00",
        tax: "31.95",
        total: "391.95",
      },
    });
    const shown = await call("GET", `/v1/invoices/${invoice.id}`);
    // 1,306.50 − 391.95 = 914.55 still due.
    expect(shown.body).toMatchObject({ amount_due: "914.55", credited_total: "391.95" });
    expect((await call("GET", `/v1/credit_notes/${created.body.id}`)).body).toEqual(created.body);
    const listed = await call("GET", `/v1/credit_notes?invoice=${invoice.id}`);
    expect(listed.body.data.map((note: { id: string }) => note.id)).toEqual([created.body.id]);
    expect((await call("GET", `/v1/credit_notes?customer=${customer}&limit=1`)).body.data).toHaveLength(1);

    const pdf = await app.inject({ method: "GET", url: `/v1/credit_notes/${created.body.id}/pdf`, headers: admin });
    expect(pdf.statusCode).toBe(200);
    expect(pdf.headers["content-type"]).toContain("application/pdf");
    const { text } = await extractText(new Uint8Array(pdf.rawPayload), { mergePages: true });
    for (const expected of [
      "CREDIT NOTE",
      "CN-2026-000001",
      invoice.number,
      "Reason: Order change",
      "Seats",
      "360.00",
      "31.95",
      "391.95",
      "Deducted from the amount due on the invoice",
      "Three seats removed at signup",
    ]) {
      expect(text).toContain(expected);
    }
  });

  it("refuses over-crediting and a draft invoice with 409, writing nothing", async () => {
    const invoice = await finalizedInvoice();
    const before = await notesWritten();
    const over = await call("POST", "/v1/credit_notes", {
      invoice: invoice.id,
      scope: "lines",
      lines: [{ line: invoice.line, amount: "1200.01" }],
      reason: "billing_error",
      outcome: "credit_balance",
    });
    expect(over).toMatchObject({
      status: 409,
      body: { error: { code: "credit_note_exceeds_invoice", param: "lines.0" } },
    });
    const draft = await call("POST", "/v1/invoices", { customer, lines: [{ description: "Fee", unit_amount: "10" }] });
    const onDraft = await call("POST", "/v1/credit_notes", {
      invoice: draft.body.id,
      scope: "whole_invoice",
      reason: "duplicate",
      outcome: "refund",
    });
    expect(onDraft).toMatchObject({ status: 409, body: { error: { code: "credit_note_invoice_not_finalized" } } });
    expect(await notesWritten()).toBe(before);
  });

  it("answers bad input with 400 naming the field", async () => {
    const invoice = await finalizedInvoice();
    const base = { invoice: invoice.id, scope: "lines", reason: "goodwill", outcome: "credit_balance" };
    const cases: [object, string][] = [
      [{ ...base, reason: "because" }, "reason"],
      [{ ...base, outcome: "cash" }, "outcome"],
      [{ ...base, lines: [{ line: invoice.line, amount: "12.345" }] }, "lines.0.amount"],
      [{ ...base, lines: [{ line: invoice.line, quantity: "1", amount: "1" }] }, "lines.0.amount"],
      [{ ...base, lines: [{ line: newId("invoice_line") }] }, "lines.0.line_id"],
      [{ ...base }, "lines"],
      [{ ...base, invoice: "inv_nope" }, "invoice"],
      [{ ...base, lines: [{ line: invoice.line }], extra: true }, "extra"],
    ];
    for (const [payload, param] of cases) {
      const response = await call("POST", "/v1/credit_notes", payload);
      expect(response.status, JSON.stringify(payload)).toBe(400);
      expect(response.body.error.param, JSON.stringify(response.body)).toBe(param);
    }
    expect((await call("GET", `/v1/credit_notes/${newId("credit_note")}`)).status).toBe(404);
  });

  it("holds a note above the threshold for approval; only an approver sets thresholds", async () => {
    const analyst = auth(await keyFor("billing_analyst"));
    const approver = auth(await keyFor("approver"));
    const settings = { approval_thresholds: { USD: "500.00" } };
    expect((await call("POST", "/v1/credit_note_settings", settings, analyst)).status).toBe(403);
    expect((await call("POST", "/v1/credit_note_settings", settings, approver)).body).toEqual({
      object: "credit_note_settings",
      approval_thresholds: { USD: "500.00" },
    });
    expect((await call("GET", "/v1/credit_note_settings", undefined, analyst)).body.approval_thresholds).toEqual({
      USD: "500.00",
    });
    const invoice = await finalizedInvoice();
    const pending = await call(
      "POST",
      "/v1/credit_notes",
      { invoice: invoice.id, scope: "whole_invoice", reason: "duplicate", outcome: "refund" },
      analyst,
    );
    expect(pending.body).toMatchObject({ status: "pending_approval", number: null, refund: null, total: "1306.50" });
    const approved = await call("POST", `/v1/approvals/${pending.body.approval_id}/approve`, {}, approver);
    expect(approved.body.status).toBe("approved");
    const issued = await call("GET", `/v1/credit_notes/${pending.body.id}`);
    expect(issued.body).toMatchObject({ status: "issued", refund: { status: "requested", amount: "1306.50" } });
    expect(issued.body.number).toMatch(/^CN-2026-\d{6}$/);
    await call("POST", "/v1/credit_note_settings", { approval_thresholds: { USD: null } }, approver);
  });

  it("needs credit_notes:write to issue and invoices:read to look", async () => {
    const invoice = await finalizedInvoice();
    const body = { invoice: invoice.id, scope: "whole_invoice", reason: "goodwill", outcome: "credit_balance" };
    for (const role of ["ar_specialist", "support_agent", "auditor"]) {
      const headers = auth(await keyFor(role));
      expect((await call("POST", "/v1/credit_notes", body, headers)).status, role).toBe(403);
      expect((await call("POST", "/v1/credit_notes/preview", body, headers)).status, role).toBe(403);
    }
    const auditor = auth(await keyFor("auditor"));
    expect((await call("GET", "/v1/credit_notes", undefined, auditor)).status).toBe(200);
    const analyst = auth(await keyFor("billing_analyst"));
    expect((await call("POST", "/v1/credit_notes", body, analyst)).body.status).toBe("issued");
  });
});
