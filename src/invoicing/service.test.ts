import { sql } from "kysely";
import { describe, expect, it } from "vitest";
import { freshDatabase } from "../../test/support/database.js";
import { createCustomer } from "../customers/index.js";
import type { RequestContext } from "../kernel/actor.js";
import { TestClock, toDate } from "../kernel/clock.js";
import { DomainError } from "../kernel/errors.js";
import { newId } from "../kernel/ids.js";
import { closePeriod, reopenPeriod, trialBalance } from "../ledger/index.js";
import { finalizeInvoice, markInvoiceUncollectible, voidInvoice } from "./finalization.js";
import {
  addDraftLine,
  createDraft,
  createInvoiceItem,
  listInvoices,
  removeDraftLine,
  updateDraft,
  updateDraftLine,
} from "./service.js";
import { insertInvoice } from "./store.js";

const { db } = await freshDatabase();
const clock = new TestClock("2026-03-02T09:00:00Z");
const deps = { db, clock };
const ar: RequestContext = {
  actor: { type: "user", id: "usr_ar", role: "ar_specialist", display_name: "Aiko Reyes" },
  request_id: "req_invoicing_test",
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

const customer = await createCustomer(deps, ar, {
  legal_name: "Northwind Traders LLC",
  currency: "USD",
  payment_terms: { type: "net", days: 30 },
  billing_address: { line1: "1 Main St", city: "Springfield", region: "IL", postal_code: "62701", country: "US" },
});

/** 10 × 150.00 at 20 % = 1,500.00 + 300.00 tax; 1 × 99.99 untaxed. Subtotal 1,599.99, tax 300.00, total 1,899.99. */
const services = {
  description: "Implementation services",
  quantity: "10",
  unit_amount: "150",
  tax_rate: "20",
  tax_name: "VAT",
};
const setup = { description: "Setup fee", unit_amount: "99.99" };

async function balances(currency: string) {
  const trial = await trialBalance(deps, { currency });
  return Object.fromEntries(trial.accounts.map((row) => [row.account.code, row.balance.toFixed(2)]));
}

describe("invoices on PostgreSQL", () => {
  it("finalizes a draft: number, due date, figures and the ledger entry", async () => {
    const draft = await createDraft(deps, ar, {
      customer_id: customer.id,
      lines: [services, setup],
      po_number: "PO-7",
    });
    expect(draft).toMatchObject({ status: "draft", number: null, currency: "USD", subtotal: "1599.99" });
    const invoice = await finalizeInvoice(deps, ar, draft.id);
    expect(invoice).toMatchObject({
      status: "open",
      number: "INV-2026-000001",
      issue_date: "2026-03-02",
      due_date: "2026-04-01", // net 30 from 2 March
      subtotal: "1599.99",
      tax: "300.00",
      total: "1899.99",
      amount_due: "1899.99",
    });
    expect(await balances("USD")).toMatchObject({
      [`1100:${customer.id}`]: "1899.99",
      "4000": "1599.99",
      "2100": "300.00",
    });
    const second = await createDraft(deps, ar, { customer_id: customer.id, lines: [setup] });
    expect((await finalizeInvoice(deps, ar, second.id)).number).toBe("INV-2026-000002");
    const events = await sql<{
      n: string;
    }>`select count(*) as n from outbox_events where type = 'invoice.finalized'`.execute(db);
    expect(events.rows[0]?.n).toBe("2");
  });

  it("gives the number back when finalizing fails after numbering", async () => {
    const draft = await createDraft(deps, ar, { customer_id: customer.id, lines: [setup] });
    await closePeriod(deps, ar, { through: "2026-03-02" });
    expect(await failure(finalizeInvoice(deps, ar, draft.id))).toBe("period_closed");
    const series = await sql<{ next_number: string }>`select next_number from invoice_number_series`.execute(db);
    expect(series.rows).toEqual([{ next_number: "3" }]);
    await reopenPeriod(deps, { ...ar, reason: "test reopens the day" }, { reason: "test reopens the day" });
    const invoice = await finalizeInvoice(deps, ar, draft.id);
    expect(invoice.number).toBe("INV-2026-000003");
  });

  it("voids an invoice: the reversal brings the receivable back to zero and the number stays", async () => {
    const other = await createCustomer(deps, ar, { legal_name: "Contoso GmbH", currency: "EUR" });
    const draft = await createDraft(deps, ar, { customer_id: other.id, lines: [services] });
    const open = await finalizeInvoice(deps, ar, draft.id);
    expect((await balances("EUR"))[`1100:${other.id}`]).toBe("1800.00");
    clock.advance({ hours: 72 });
    const voided = await voidInvoice(deps, ar, draft.id);
    expect(voided).toMatchObject({ status: "void", number: open.number });
    expect(await balances("EUR")).toMatchObject({ [`1100:${other.id}`]: "0.00", "4000": "0.00", "2100": "0.00" });
    expect(await failure(voidInvoice(deps, ar, draft.id))).toBe("invoice_transition_invalid");
  });

  it("refuses every edit of a finalized invoice", async () => {
    const draft = await createDraft(deps, ar, { customer_id: customer.id, lines: [setup] });
    const line = draft.lines[0]?.id ?? "";
    await finalizeInvoice(deps, ar, draft.id);
    expect(await failure(addDraftLine(deps, ar, draft.id, setup))).toBe("invoice_not_draft");
    expect(await failure(updateDraftLine(deps, ar, draft.id, line, setup))).toBe("invoice_not_draft");
    expect(await failure(removeDraftLine(deps, ar, draft.id, line))).toBe("invoice_not_draft");
    expect(await failure(updateDraft(deps, ar, draft.id, { memo: "late" }))).toBe("invoice_not_draft");
    expect((await markInvoiceUncollectible(deps, ar, draft.id)).status).toBe("uncollectible");
  });

  it("edits a draft's lines with an audit trail, and pulls pending items into the next draft", async () => {
    const item = await createInvoiceItem(deps, ar, {
      customer_id: customer.id,
      description: "Rush delivery",
      unit_amount: "25",
    });
    const draft = await createDraft(deps, ar, { customer_id: customer.id });
    expect(draft.lines.map((line) => [line.description, line.source])).toEqual([
      ["Rush delivery", { type: "invoice_item", id: item.id }],
    ]);
    const added = await addDraftLine(deps, ar, draft.id, {
      description: "Training",
      quantity: "2",
      unit_amount: "0.125",
    });
    expect(added.total).toBe("25.25"); // 25 + 2 × 0.125 = 25.25
    const line = added.lines[1]?.id ?? "";
    const updated = await updateDraftLine(deps, ar, draft.id, line, {
      description: "Training",
      quantity: "3",
      unit_amount: "10",
    });
    expect(updated.total).toBe("55.00");
    expect((await removeDraftLine(deps, ar, draft.id, line)).total).toBe("25.00");
    const audit = await sql<{
      action: string;
    }>`select action from audit_events where object_id = ${draft.id} order by seq`.execute(db);
    expect(audit.rows.map((row) => row.action)).toEqual([
      "invoice.created",
      "invoice.line_added",
      "invoice.line_updated",
      "invoice.line_removed",
    ]);
    const again = await createDraft(deps, ar, { customer_id: customer.id });
    expect(again.lines).toEqual([]);
  });

  it("finalizes and keeps a $0 invoice without a ledger entry", async () => {
    const draft = await createDraft(deps, ar, { customer_id: customer.id });
    const invoice = await finalizeInvoice(deps, ar, draft.id);
    expect(invoice).toMatchObject({ status: "open", total: "0.00", ledger_entry_id: null });
    expect(invoice.number).toMatch(/^INV-2026-\d{6}$/);
    const page = await listInvoices(deps, { customer_id: customer.id, status: "open" }, { limit: 100 });
    expect(page.data.map((row) => row.id)).toContain(invoice.id);
  });

  it("posts a product's revenue to that product's account", async () => {
    const product = newId("product");
    const buyer = await createCustomer(deps, ar, { legal_name: "Tailspin Toys AB", currency: "SEK" });
    const draft = await createDraft(deps, ar, {
      customer_id: buyer.id,
      lines: [
        { description: "Annual licence", unit_amount: "12000", product_id: product, tax_rate: "25", tax_name: "Moms" },
      ],
    });
    await finalizeInvoice(deps, ar, draft.id);
    // 12,000.00 + 25 % = 3,000.00 tax; 15,000.00 receivable.
    expect(await balances("SEK")).toMatchObject({
      [`1100:${buyer.id}`]: "15000.00",
      [`4000:${product}`]: "12000.00",
      "2100": "3000.00",
    });
  });

  it("invoices a subscription period once", async () => {
    const row = (subscription_id: string) => ({
      id: newId("invoice"),
      customer_id: customer.id,
      currency: "USD",
      status: "draft" as const,
      addresses: {
        legal_name: "x",
        billing_address: null,
        shipping_address: null,
        tax_ids: [],
        locale: "en-US",
        time_zone: "UTC",
      },
      subscription_id,
      period_index: 4,
      created_at: toDate(clock.now()),
    });
    const subscription = newId("subscription");
    await insertInvoice(db, row(subscription));
    await expect(insertInvoice(db, row(subscription))).rejects.toMatchObject({ code: "23505" });
  });
});
