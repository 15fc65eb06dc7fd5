import { sql } from "kysely";
import { extractText } from "unpdf";
import { describe, expect, it } from "vitest";
import { freshDatabase } from "../../test/support/database.js";
import { createCustomer } from "../customers/index.js";
import type { RequestContext } from "../kernel/actor.js";
import { TestClock } from "../kernel/clock.js";
import { DomainError } from "../kernel/errors.js";
import { newId } from "../kernel/ids.js";
import { trialBalance } from "../ledger/index.js";
import { creditNotePdf, getCreditNote, updateCreditNoteSettings } from "./credit-note-queries.js";
import { createCreditNote } from "./credit-note-service.js";
import { voidCreditNote } from "./credit-note-void.js";
import { finalizeInvoice } from "./finalization.js";
import { createDraft, getInvoice } from "./service.js";

const { db } = await freshDatabase();
const clock = new TestClock("2026-06-10T09:00:00Z");
const deps = { db, clock };
const analyst: RequestContext = {
  actor: { type: "user", id: "usr_analyst", role: "admin", user_id: "usr_analyst", display_name: "Mara Keller" },
  request_id: "req_credit_note_void_test",
};

async function failure(work: Promise<unknown>): Promise<string> {
  try {
    await work;
  } catch (error) {
    if (error instanceof DomainError) return error.code;
    throw error;
  }
  throw new Error("expected a DomainError");
}

/** Every account's balance, and the trial balance's own check that debits equal credits. */
async function ledger(currency: string) {
  const trial = await trialBalance(deps, { currency });
  const accounts = Object.fromEntries(trial.accounts.map((row) => [row.account.code, row.balance.toFixed(2)]));
  const total = trial.totals.find((row) => row.currency === currency);
  return { accounts, debits: total?.debit.toFixed(2), credits: total?.credit.toFixed(2) };
}

const product = newId("product");
/** 10 seats × 100.00 = 1,000.00 at 20 % VAT = 200.00: total 1,200.00. */
const seats = {
  description: "Team seats, June",
  quantity: "10",
  unit_amount: "100",
  tax_rate: "20",
  tax_name: "VAT",
  product_id: product,
};

async function openInvoice(currency: string, name: string) {
  const customer = await createCustomer(deps, analyst, { legal_name: name, currency });
  const draft = await createDraft(deps, analyst, { customer_id: customer.id, lines: [seats] });
  const invoice = await finalizeInvoice(deps, analyst, draft.id);
  return { customer: customer.id, invoice: invoice.id };
}

const whole = (invoice: string, outcome: "reduce_amount_due" | "credit_balance" | "refund") => ({
  invoice,
  scope: "whole_invoice" as const,
  reason: "billing_error" as const,
  outcome,
});

describe("voiding an issued credit note", () => {
  it("reverses a note that settled the invoice: the invoice is owed again, the number stays, the PDF says VOID", async () => {
    const { customer, invoice } = await openInvoice("USD", "Void Buyer Inc");
    const note = await createCreditNote(deps, analyst, whole(invoice, "reduce_amount_due"));
    expect(note).toMatchObject({ number: "CN-2026-000001", total: "1200.00" });
    expect(await getInvoice(deps, invoice)).toMatchObject({ status: "paid", amount_due: "0.00" });
    const credited = await ledger("USD");
    // Finalized Dr 1100 1,200.00 / Cr revenue 1,000.00, Cr 2100 200.00; the note reverses all of it.
    expect(credited.accounts).toMatchObject({
      [`1100:${customer}`]: "0.00",
      [`4000:${product}`]: "0.00",
      "2100": "0.00",
    });

    clock.set("2026-06-12T10:00:00Z");
    const voided = await voidCreditNote(deps, analyst, note.id, { reason: "Issued against the wrong invoice" });
    expect(voided).toMatchObject({
      status: "void",
      number: "CN-2026-000001",
      void_reason: "Issued against the wrong invoice",
      voided_at: "2026-06-12T10:00:00Z",
    });
    expect(voided.void_ledger_entry_id).toMatch(/^je_/);
    expect(await getInvoice(deps, invoice)).toMatchObject({
      status: "open",
      amount_due: "1200.00",
      credited_total: "0.00",
    });
    const after = await ledger("USD");
    expect(after.debits).toBe(after.credits);
    expect(after.accounts).toMatchObject({
      [`1100:${customer}`]: "1200.00", // owed again
      [`4000:${product}`]: "1000.00",
      "2100": "200.00",
    });
    const reversal = await sql<{ effective_date: string; source_type: string }>`
      select to_char(effective_date, 'YYYY-MM-DD') as effective_date, source_type
      from ledger_entries where id = ${voided.void_ledger_entry_id}`.execute(db);
    expect(reversal.rows).toEqual([{ effective_date: "2026-06-12", source_type: "credit_note" }]);

    // The next note takes the next number: the voided one keeps its place in the series.
    const next = await createCreditNote(deps, analyst, {
      ...whole(invoice, "reduce_amount_due"),
      scope: "lines",
      lines: [{ line: (await getInvoice(deps, invoice)).lines[0]?.id ?? "", quantity: "1" }],
    });
    expect(next.number).toBe("CN-2026-000002");

    const { pdf } = await creditNotePdf(deps, note.id);
    const text = (await extractText(new Uint8Array(pdf), { mergePages: true })).text;
    expect(text).toContain("CN-2026-000001");
    expect(text).toContain("VOID");
    expect(text).toContain("Issued against the wrong invoice");

    const audit = await sql<{ action: string }>`
      select action from audit_events where action in ('credit_note.voided', 'invoice.credit_voided') order by seq`.execute(
      db,
    );
    expect(audit.rows.map((row) => row.action)).toEqual(["credit_note.voided", "invoice.credit_voided"]);
    expect(await failure(voidCreditNote(deps, analyst, note.id, { reason: "again" }))).toBe(
      "credit_note_transition_invalid",
    );
  });

  it("takes back credit still in the balance, and refuses once it was applied to another invoice", async () => {
    const { customer, invoice } = await openInvoice("EUR", "Credit Buyer GmbH");
    const kept = await createCreditNote(deps, analyst, {
      ...whole(invoice, "credit_balance"),
      scope: "lines",
      lines: [{ line: (await getInvoice(deps, invoice)).lines[0]?.id ?? "", quantity: "1" }],
    });
    expect(kept.total).toBe("120.00"); // 1 seat: 100.00 + 20 % VAT
    expect((await ledger("EUR")).accounts[`2300:${customer}`]).toBe("120.00");
    await voidCreditNote(deps, analyst, kept.id, { reason: "Goodwill withdrawn" });
    const after = await ledger("EUR");
    expect(after.debits).toBe(after.credits);
    expect(after.accounts).toMatchObject({ [`2300:${customer}`]: "0.00", [`4000:${product}`]: "1000.00" });
    expect(await getInvoice(deps, invoice)).toMatchObject({ status: "open", amount_due: "1200.00" });

    const spent = await createCreditNote(deps, analyst, {
      ...whole(invoice, "credit_balance"),
      scope: "lines",
      lines: [{ line: (await getInvoice(deps, invoice)).lines[0]?.id ?? "", quantity: "2" }],
    });
    // The next invoice spends the 240.00 credit.
    const draft = await createDraft(deps, analyst, { customer_id: customer, lines: [seats] });
    const nextInvoice = await finalizeInvoice(deps, analyst, draft.id);
    expect(nextInvoice.amount_due).toBe("960.00"); // 1,200.00 − 240.00
    const before = await ledger("EUR");
    expect(await failure(voidCreditNote(deps, analyst, spent.id, { reason: "too late" }))).toBe(
      "credit_note_credit_applied",
    );
    expect(await ledger("EUR")).toEqual(before);
    expect((await getCreditNote(deps, spent.id)).status).toBe("issued");
  });

  it("cancels a refund not yet paid out, and refuses one that was", async () => {
    const { customer, invoice } = await openInvoice("GBP", "Refund Buyer Ltd");
    const line = (await getInvoice(deps, invoice)).lines[0]?.id ?? "";
    const one = { ...whole(invoice, "refund"), scope: "lines" as const, lines: [{ line, quantity: "1" }] };
    const requested = await createCreditNote(deps, analyst, one);
    const voided = await voidCreditNote(deps, analyst, requested.id, { reason: "Customer kept the seat" });
    expect(voided.refund).toEqual({ status: "canceled", amount: "120.00" });
    expect((await ledger("GBP")).accounts[`2300:${customer}`]).toBe("0.00");

    const paid = await createCreditNote(deps, analyst, one);
    await sql`update credit_note_refunds set status = 'succeeded' where credit_note_id = ${paid.id}`.execute(db);
    expect(await failure(voidCreditNote(deps, analyst, paid.id, { reason: "too late" }))).toBe(
      "credit_note_refund_executed",
    );
  });

  it("refuses a note waiting for approval, a blank reason and an unknown note, writing nothing", async () => {
    const { invoice } = await openInvoice("CHF", "Pending Buyer AG");
    await updateCreditNoteSettings(deps, analyst, { approval_thresholds: { CHF: "100.00" } });
    const pending = await createCreditNote(deps, analyst, whole(invoice, "reduce_amount_due"));
    expect(pending.status).toBe("pending_approval");
    expect(await failure(voidCreditNote(deps, analyst, pending.id, { reason: "no" }))).toBe(
      "credit_note_pending_approval",
    );
    expect(await failure(voidCreditNote(deps, analyst, pending.id, { reason: "  " }))).toBe("parameter_missing");
    expect(await failure(voidCreditNote(deps, analyst, newId("credit_note"), { reason: "x" }))).toBe(
      "credit_note_not_found",
    );
  });
});
