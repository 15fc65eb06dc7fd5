import { Temporal } from "temporal-polyfill";
import { describe, expect, it } from "vitest";
import { Decimal } from "../kernel/money.js";
import type { EntryInput } from "../ledger/index.js";
import { creditNoteEntry, type InvoicingAccounts, invoiceFinalizationEntry, reversalEntry } from "./ledger-entries.js";

const d = (text: string) => new Decimal(text);
const MARCH_31 = Temporal.PlainDate.from("2026-03-31");

const ACCOUNTS: InvoicingAccounts = {
  receivable: "ar",
  customer_credit: "credit",
  tax_payable: "tax",
  revenue_by_product: { prod_seats: "rev_seats", prod_onb: "rev_onb" },
  revenue_default: "rev",
};

/** "Dr ar 120" / "Cr rev_seats 100": how an accountant reads the entry. */
const journal = (entry: EntryInput | null) =>
  entry?.lines.map((line) =>
    line.debit === undefined ? `Cr ${line.account_id} ${line.credit}` : `Dr ${line.account_id} ${line.debit}`,
  ) ?? null;

const invoice = (overrides: Partial<Parameters<typeof invoiceFinalizationEntry>[0]> = {}) => ({
  invoice_id: "inv_1",
  invoice_date: MARCH_31,
  lines: [
    { product_id: "prod_seats", net_amount: d("300") },
    { product_id: "prod_seats", net_amount: d("-50") }, // a proration credit on the same product
    { product_id: "prod_onb", net_amount: d("500") },
    { product_id: null, net_amount: d("25") },
  ],
  tax: d("155"), // (300 − 50 + 500 + 25) × 20 %
  credit_applied: d("0"),
  credit_added: d("0"),
  amount_due: d("930"), // 775 + 155
  ...overrides,
});

describe("invoiceFinalizationEntry", () => {
  it("Dr receivable / Cr revenue per product / Cr tax payable", () => {
    const entry = invoiceFinalizationEntry(invoice(), ACCOUNTS);
    expect(entry).toMatchObject({
      source_type: "invoice",
      source_id: "inv_1",
      idempotency_key: "invoice.finalized:inv_1",
    });
    expect(journal(entry)).toEqual([
      "Dr ar 930",
      "Cr tax 155",
      "Cr rev_seats 250", // 300 − 50: one line per product, netted
      "Cr rev_onb 500",
      "Cr rev 25", // no product: the default revenue account
    ]);
  });

  it("the credit balance pays part of it", () => {
    const entry = invoiceFinalizationEntry(invoice({ credit_applied: d("100"), amount_due: d("830") }), ACCOUNTS);
    expect(journal(entry)?.slice(0, 2)).toEqual(["Dr ar 830", "Dr credit 100"]); // 830 + 100 = 930
  });

  it("a negative invoice goes to the customer's credit balance", () => {
    const lines = [{ product_id: "prod_seats", net_amount: d("-20") }];
    const entry = invoiceFinalizationEntry(
      invoice({ lines, tax: d("-4"), credit_added: d("24"), amount_due: d("0") }),
      ACCOUNTS,
    );
    expect(journal(entry)).toEqual(["Cr credit 24", "Dr tax 4", "Dr rev_seats 20"]); // −20 − 4 = −24
  });

  it("a $0 invoice posts nothing", () => {
    expect(invoiceFinalizationEntry(invoice({ lines: [], tax: d("0"), amount_due: d("0") }), ACCOUNTS)).toBeNull();
  });

  it("refuses figures that do not balance (a bug upstream)", () => {
    expect(() => invoiceFinalizationEntry(invoice({ amount_due: d("929.99") }), ACCOUNTS)).toThrow(/balances/);
  });
});

describe("creditNoteEntry", () => {
  const note = (outcome: "reduce_amount_due" | "credit_balance" | "refund") => ({
    credit_note_id: "cn_1",
    invoice_id: "inv_1",
    issue_date: MARCH_31,
    outcome,
    lines: [{ product_id: "prod_seats", net_amount: d("90") }],
    tax: d("18"),
    total: d("108"), // 90 + 18
  });

  it.each([
    ["reduce_amount_due", "Cr ar 108"],
    ["credit_balance", "Cr credit 108"],
    ["refund", "Cr credit 108"], // owed to the customer until payments pays it out
  ] as const)("%s → %s", (outcome, creditLine) => {
    expect(journal(creditNoteEntry(note(outcome), ACCOUNTS))).toEqual(["Dr tax 18", creditLine, "Dr rev_seats 90"]);
  });
});

describe("reversalEntry", () => {
  it("a void swaps every line and is dated on the void, not the invoice", () => {
    const original = invoiceFinalizationEntry(invoice(), ACCOUNTS);
    if (original === null) throw new Error("expected an entry");
    const april = Temporal.PlainDate.from("2026-04-02");
    const reversal = reversalEntry(original, { event: "invoice.voided", effective_date: april });
    expect(reversal).toMatchObject({ idempotency_key: "invoice.voided:inv_1", effective_date: april });
    expect(journal(reversal)).toEqual(["Cr ar 930", "Dr tax 155", "Dr rev_seats 250", "Dr rev_onb 500", "Dr rev 25"]);
  });
});
