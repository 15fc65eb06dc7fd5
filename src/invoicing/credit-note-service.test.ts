import { sql } from "kysely";
import { describe, expect, it } from "vitest";
import { freshDatabase } from "../../test/support/database.js";
import { approve, reject } from "../access/index.js";
import { createCustomer } from "../customers/index.js";
import type { RequestContext } from "../kernel/actor.js";
import { TestClock } from "../kernel/clock.js";
import { DomainError } from "../kernel/errors.js";
import { newId } from "../kernel/ids.js";
import { trialBalance } from "../ledger/index.js";
import { getCreditNote, listCreditNotes, updateCreditNoteSettings } from "./credit-note-queries.js";
import { createCreditNote, previewCreditNote } from "./credit-note-service.js";
import { finalizeInvoice, voidInvoice } from "./finalization.js";
import { createDraft, getInvoice } from "./service.js";

const { db } = await freshDatabase();
const clock = new TestClock("2026-06-10T09:00:00Z");
const deps = { db, clock };
const person = (id: string, role: string, display_name: string): RequestContext => ({
  actor: { type: "user", id, role, user_id: id, display_name },
  request_id: "req_credit_note_test",
});
const maker = person("usr_maker", "billing_analyst", "Mara Keller");
const checker = person("usr_checker", "approver", "Chen Ito");
const lead = person("usr_lead", "admin", "Lena Ortiz");

async function failure(work: Promise<unknown>): Promise<string> {
  try {
    await work;
  } catch (error) {
    if (error instanceof DomainError) return error.code;
    throw error;
  }
  throw new Error("expected a DomainError");
}

async function balances(currency: string) {
  const trial = await trialBalance(deps, { currency });
  return Object.fromEntries(trial.accounts.map((row) => [row.account.code, row.balance.toFixed(2)]));
}

const product = newId("product");
/** Seats: 10 × 100.00 = 1,000.00 at 20 % VAT = 200.00. Setup: 250.00 untaxed. Total 1,450.00. */
const seats = {
  description: "Team seats, June",
  quantity: "10",
  unit_amount: "100",
  tax_rate: "20",
  tax_name: "VAT",
  product_id: product,
};
const setupFee = { description: "Setup fee", unit_amount: "250" };

async function openInvoice(currency: string) {
  const customer = await createCustomer(deps, maker, { legal_name: `Buyer ${currency}`, currency });
  const draft = await createDraft(deps, maker, { customer_id: customer.id, lines: [seats, setupFee] });
  const invoice = await finalizeInvoice(deps, maker, draft.id);
  const [seatLine, setupLine] = invoice.lines.map((line) => line.id);
  return { customer: customer.id, invoice: invoice.id, seatLine: seatLine ?? "", setupLine: setupLine ?? "" };
}

describe("credit notes", () => {
  it("credits 3 of 10 seats: tax line by line, the amount due drops, numbered CN-2026-000001", async () => {
    const { customer, invoice, seatLine } = await openInvoice("USD");
    const input = {
      invoice,
      scope: "lines" as const,
      lines: [{ line: seatLine, quantity: "3" }],
      reason: "order_change" as const,
      outcome: "reduce_amount_due" as const,
    };
    const preview = await previewCreditNote(deps, input);
    // 3 of 10 seats: net 1,000.00 × 3/10 = 300.00; tax 200.00 × 300/1,000 = 60.00; total 360.00.
    expect(preview).toMatchObject({ subtotal: "300.00", tax: "60.00", total: "360.00", approval_required: false });
    expect(preview.invoice_amount_due_after).toBe("1090.00"); // 1,450.00 − 360.00
    expect(await listCreditNotes(deps, { invoice_id: invoice }, { limit: 10 })).toMatchObject({ data: [] });
    const note = await createCreditNote(deps, maker, { ...input, memo: "Three seats cancelled" });
    expect(note).toMatchObject({
      status: "issued",
      number: "CN-2026-000001",
      issue_date: "2026-06-10",
      subtotal: "300.00",
      tax: "60.00",
      total: "360.00",
      refund: null,
      lines: [{ invoice_line_id: seatLine, net_amount: "300.00", tax_amount: "60.00", amount: "360.00" }],
    });
    expect(await getInvoice(deps, invoice)).toMatchObject({
      status: "open",
      amount_due: "1090.00",
      credited_total: "360.00",
    });
    // Finalized: Dr 1100 1,450.00 / Cr 4000 1,000.00, Cr 4000 250.00, Cr 2100 200.00.
    // Credit note: Dr revenue 300.00, Dr 2100 60.00 / Cr 1100 360.00.
    expect(await balances("USD")).toMatchObject({
      [`1100:${customer}`]: "1090.00", // 1,450.00 − 360.00
      [`4000:${product}`]: "700.00", // 1,000.00 − 300.00
      "4000": "250.00",
      "2100": "140.00", // 200.00 − 60.00
    });
    const events = await sql<{ type: string }>`select type from outbox_events where type like 'credit_note.%'`.execute(
      db,
    );
    expect(events.rows.map((row) => row.type)).toEqual(["credit_note.issued"]);
    const audit = await sql<{
      action: string;
    }>`select action from audit_events where object_id in (${note.id}, ${invoice}) and action like '%credit%' order by seq`.execute(
      db,
    );
    expect(audit.rows.map((row) => row.action)).toEqual(["credit_note.issued", "invoice.credited"]);
  });

  it("credits an amount of a line to the customer's balance, and refuses more than is left", async () => {
    const { customer, invoice, seatLine, setupLine } = await openInvoice("EUR");
    const note = await createCreditNote(deps, maker, {
      invoice,
      scope: "lines",
      lines: [{ line: setupLine, amount: "50.00" }],
      reason: "goodwill",
      outcome: "credit_balance",
    });
    // 50.00 off the untaxed setup fee: net 50.00, tax 0.00.
    expect(note).toMatchObject({ number: "CN-2026-000002", total: "50.00", tax: "0.00" });
    expect(await getInvoice(deps, invoice)).toMatchObject({ amount_due: "1450.00", credited_total: "50.00" });
    expect(await balances("EUR")).toMatchObject({
      [`1100:${customer}`]: "1450.00", // the receivable is untouched
      [`2300:${customer}`]: "50.00", // owed to the customer
      "4000": "200.00", // 250.00 − 50.00
    });
    const tooMuch = { invoice, scope: "lines" as const, reason: "goodwill" as const, outcome: "refund" as const };
    // 250.00 − 50.00 = 200.00 left on the setup fee.
    expect(
      await failure(createCreditNote(deps, maker, { ...tooMuch, lines: [{ line: setupLine, amount: "200.01" }] })),
    ).toBe("credit_note_exceeds_invoice");
    expect(
      await failure(createCreditNote(deps, maker, { ...tooMuch, lines: [{ line: seatLine, quantity: "11" }] })),
    ).toBe("credit_note_exceeds_invoice");
    expect(
      await failure(
        createCreditNote(deps, maker, { ...tooMuch, lines: [{ line: seatLine, quantity: "1", amount: "1.00" }] }),
      ),
    ).toBe("invalid_credit_note_line");
    expect(
      await failure(createCreditNote(deps, maker, { ...tooMuch, scope: "whole_invoice", lines: [{ line: seatLine }] })),
    ).toBe("invalid_credit_note_scope");
    expect(await failure(createCreditNote(deps, maker, { ...tooMuch, lines: [] }))).toBe("invalid_credit_note_scope");
  });

  it("refunds the whole invoice: the refund is requested and the money is owed to the customer", async () => {
    const { customer, invoice } = await openInvoice("GBP");
    const note = await createCreditNote(deps, maker, {
      invoice,
      scope: "whole_invoice",
      reason: "duplicate",
      outcome: "refund",
    });
    // 1,000.00 + 250.00 net, 200.00 tax: 1,450.00.
    expect(note).toMatchObject({
      subtotal: "1250.00",
      tax: "200.00",
      total: "1450.00",
      refund: { status: "requested", amount: "1450.00" },
    });
    expect(await balances("GBP")).toMatchObject({
      [`1100:${customer}`]: "1450.00", // still owed until a payment or a write-off settles it
      [`2300:${customer}`]: "1450.00", // owed back until the payments module pays the refund
      [`4000:${product}`]: "0.00",
      "4000": "0.00",
      "2100": "0.00",
    });
    const trial = await trialBalance(deps, { currency: "GBP" });
    for (const total of trial.totals) expect(total.debit.toFixed(2)).toBe(total.credit.toFixed(2));
    expect(
      await failure(
        createCreditNote(deps, maker, { invoice, scope: "whole_invoice", reason: "duplicate", outcome: "refund" }),
      ),
    ).toBe("credit_note_empty");
  });

  it("reduces the whole amount due: the invoice is settled, and nothing more can be deducted", async () => {
    const { customer, invoice, seatLine } = await openInvoice("CAD");
    await createCreditNote(deps, maker, {
      invoice,
      scope: "lines",
      lines: [{ line: seatLine }],
      reason: "billing_error",
      outcome: "reduce_amount_due",
    });
    // 1,450.00 − 1,200.00 (seats with their tax) = 250.00 still due.
    expect(await getInvoice(deps, invoice)).toMatchObject({ status: "open", amount_due: "250.00" });
    await createCreditNote(deps, maker, {
      invoice,
      scope: "whole_invoice",
      reason: "billing_error",
      outcome: "reduce_amount_due",
    });
    expect(await getInvoice(deps, invoice)).toMatchObject({
      status: "paid",
      amount_due: "0.00",
      credited_total: "1450.00",
    });
    expect((await balances("CAD"))[`1100:${customer}`]).toBe("0.00");
  });

  it("refuses to void an invoice that has credit notes: the revenue would be taken back twice", async () => {
    const { invoice, setupLine } = await openInvoice("NZD");
    await createCreditNote(deps, maker, {
      invoice,
      scope: "lines",
      lines: [{ line: setupLine }],
      reason: "order_change",
      outcome: "credit_balance",
    });
    expect(await failure(voidInvoice(deps, maker, invoice))).toBe("invoice_has_credit_notes");
  });

  it("refuses a draft invoice and a deduction larger than what is due", async () => {
    const { invoice, setupLine } = await openInvoice("AUD");
    const customer = await createCustomer(deps, maker, { legal_name: "Draft Buyer", currency: "AUD" });
    const draft = await createDraft(deps, maker, { customer_id: customer.id, lines: [setupFee] });
    const onDraft = { invoice: draft.id, scope: "whole_invoice" as const, reason: "duplicate" as const };
    expect(await failure(createCreditNote(deps, maker, { ...onDraft, outcome: "refund" }))).toBe(
      "credit_note_invoice_not_finalized",
    );
    await createCreditNote(deps, maker, {
      invoice,
      scope: "lines",
      lines: [{ line: setupLine, amount: "100" }],
      reason: "goodwill",
      outcome: "credit_balance",
    });
    expect(
      await failure(
        createCreditNote(deps, maker, {
          invoice: newId("invoice"),
          scope: "whole_invoice",
          reason: "goodwill",
          outcome: "refund",
        }),
      ),
    ).toBe("invoice_not_found");
  });

  it("lets only one of two concurrent notes take what is left", async () => {
    const { invoice } = await openInvoice("CHF");
    const whole = {
      invoice,
      scope: "whole_invoice" as const,
      reason: "duplicate" as const,
      outcome: "refund" as const,
    };
    const results = await Promise.allSettled([
      createCreditNote(deps, maker, whole),
      createCreditNote(deps, maker, whole),
    ]);
    expect(results.filter((result) => result.status === "fulfilled")).toHaveLength(1);
    const refused = results.find((result) => result.status === "rejected");
    expect((refused as PromiseRejectedResult).reason).toMatchObject({ code: "credit_note_empty" });
    expect((await getInvoice(deps, invoice)).credited_total).toBe("1450.00");
  });
});

describe("credit note approvals", () => {
  it("holds a note above the threshold until another person approves it", async () => {
    await updateCreditNoteSettings(deps, checker, { approval_thresholds: { JPY: "10000" } });
    const customer = await createCustomer(deps, maker, { legal_name: "Kaisha KK", currency: "JPY" });
    const draft = await createDraft(deps, maker, {
      customer_id: customer.id,
      lines: [{ description: "Consulting", quantity: "4", unit_amount: "5000", tax_rate: "10", tax_name: "JCT" }],
    });
    const invoice = await finalizeInvoice(deps, maker, draft.id);
    const request = {
      invoice: invoice.id,
      scope: "whole_invoice" as const,
      reason: "product_unsatisfactory" as const,
      outcome: "reduce_amount_due" as const,
    };
    // 4 × 5,000 = 20,000 + 10 % = 22,000 JPY: above 10,000.
    expect((await previewCreditNote(deps, request)).approval_required).toBe(true);
    const pending = await createCreditNote(deps, lead, request);
    expect(pending).toMatchObject({ status: "pending_approval", number: null, total: "22000", ledger_entry_id: null });
    expect((await getInvoice(deps, invoice.id)).amount_due).toBe("22000");
    // The pending note keeps its amount: a second one finds nothing left.
    expect(await failure(createCreditNote(deps, maker, request))).toBe("credit_note_empty");
    const approvalId = pending.approval_id ?? "";
    // Even an admin does not approve their own credit note.
    expect(await failure(approve(deps, lead, approvalId))).toBe("approval_self_decision");
    clock.advance({ hours: 2 });
    await approve(deps, checker, approvalId, { comment: "Checked with the customer" });
    const issued = await getCreditNote(deps, pending.id);
    expect(issued).toMatchObject({ status: "issued", issued_at: "2026-06-10T11:00:00Z" });
    expect(issued.number).toMatch(/^CN-2026-\d{6}$/);
    expect(await getInvoice(deps, invoice.id)).toMatchObject({ status: "paid", amount_due: "0" });
    expect((await balances("JPY"))[`1100:${customer.id}`]).toBe("0.00");
  });

  it("voids a held note when the approval is rejected, and frees what it held", async () => {
    const customer = await createCustomer(deps, maker, { legal_name: "Shoten GK", currency: "JPY" });
    const draft = await createDraft(deps, maker, {
      customer_id: customer.id,
      lines: [{ description: "Licence", unit_amount: "30000" }],
    });
    const invoice = await finalizeInvoice(deps, maker, draft.id);
    const request = {
      invoice: invoice.id,
      scope: "whole_invoice" as const,
      reason: "fraudulent" as const,
      outcome: "credit_balance" as const,
    };
    const pending = await createCreditNote(deps, maker, request);
    const seriesBefore = await sql<{
      n: string;
    }>`select coalesce(sum(next_number), 0) as n from invoice_number_series where prefix = 'CN'`.execute(db);
    await reject(deps, checker, pending.approval_id ?? "", { comment: "Not fraud" });
    expect(await getCreditNote(deps, pending.id)).toMatchObject({ status: "void", number: null });
    const seriesAfter = await sql<{
      n: string;
    }>`select coalesce(sum(next_number), 0) as n from invoice_number_series where prefix = 'CN'`.execute(db);
    expect(seriesAfter.rows).toEqual(seriesBefore.rows); // a rejected note takes no number
    await updateCreditNoteSettings(deps, checker, { approval_thresholds: { JPY: null } });
    expect(await createCreditNote(deps, maker, request)).toMatchObject({ status: "issued", total: "30000" });
  });
});
