import type { Temporal } from "temporal-polyfill";
import { assert, assertNever } from "../kernel/errors.js";
import { Decimal } from "../kernel/money.js";
import type { EntryInput, LineInput } from "../ledger/index.js";
import type { CreditNoteOutcome } from "./credit-notes.js";

/**
 * The journal entries invoicing posts, as plain data in exactly the shape of
 * the ledger's `postEntry` input. The service resolves the accounts (the
 * customer's receivable subledger, each product's revenue account) and posts
 * what these return in the same transaction as the state change.
 *
 * Amounts are gathered per account as a signed figure (debit positive) and
 * turned into one line each, so a product with a charge and a proration
 * credit on the same invoice posts its net revenue once.
 */

export interface InvoicingAccounts {
  /** The customer's receivable, "1100:cus_…". */
  receivable: string;
  /** The customer's credit balance (a liability: money we owe them). */
  customer_credit: string;
  tax_payable: string;
  /** Revenue account per product id. */
  revenue_by_product: Readonly<Record<string, string>>;
  /** For lines without a product (ad-hoc fees) or a product missing above. */
  revenue_default: string;
}

export interface FinalizedInvoiceFigures {
  invoice_id: string;
  /** The invoice date in the customer's time zone: the accounting date. */
  invoice_date: Temporal.PlainDate;
  lines: readonly { product_id: string | null; net_amount: Decimal }[];
  tax: Decimal;
  credit_applied: Decimal;
  credit_added: Decimal;
  amount_due: Decimal;
}

class Postings {
  private readonly byAccount = new Map<string, Decimal>();

  debit(account: string, amount: Decimal): this {
    this.byAccount.set(account, (this.byAccount.get(account) ?? new Decimal(0)).plus(amount));
    return this;
  }

  credit(account: string, amount: Decimal): this {
    return this.debit(account, amount.neg());
  }

  lines(): LineInput[] {
    const lines: LineInput[] = [];
    let balance = new Decimal(0);
    for (const [account_id, signed] of this.byAccount) {
      balance = balance.plus(signed);
      if (signed.isZero()) continue;
      lines.push(signed.isNegative() ? { account_id, credit: signed.neg() } : { account_id, debit: signed });
    }
    assert(balance.isZero(), `an invoicing entry balances, off by ${balance.toString()}`);
    return lines;
  }
}

function revenueAccount(accounts: InvoicingAccounts, productId: string | null): string {
  return (productId === null ? undefined : accounts.revenue_by_product[productId]) ?? accounts.revenue_default;
}

/**
 * Finalization: Dr receivable (what is due) and Dr customer credit (what the
 * balance paid), Cr revenue per product, Cr tax payable. A negative invoice
 * credits the customer's balance instead. A $0 invoice posts nothing (null):
 * the invoice itself is the paper trail, and the ledger refuses empty entries.
 */
export function invoiceFinalizationEntry(
  invoice: FinalizedInvoiceFigures,
  accounts: InvoicingAccounts,
): EntryInput | null {
  const postings = new Postings()
    .debit(accounts.receivable, invoice.amount_due)
    .debit(accounts.customer_credit, invoice.credit_applied)
    .credit(accounts.customer_credit, invoice.credit_added)
    .credit(accounts.tax_payable, invoice.tax);
  for (const line of invoice.lines) postings.credit(revenueAccount(accounts, line.product_id), line.net_amount);
  const lines = postings.lines();
  if (lines.length === 0) return null;
  return {
    source_type: "invoice",
    source_id: invoice.invoice_id,
    idempotency_key: `invoice.finalized:${invoice.invoice_id}`,
    effective_date: invoice.invoice_date,
    memo: `Invoice ${invoice.invoice_id} finalized`,
    lines,
  };
}

export interface IssuedCreditNoteFigures {
  credit_note_id: string;
  invoice_id: string;
  issue_date: Temporal.PlainDate;
  outcome: CreditNoteOutcome;
  lines: readonly { product_id: string | null; net_amount: Decimal }[];
  tax: Decimal;
  total: Decimal;
}

/**
 * A credit note: Dr revenue per product and Dr tax payable for what it
 * credits; Cr receivable when it reduces what is due, Cr customer credit when
 * it goes to the balance. A refund is also credited to the customer's balance:
 * we owe them the money until the payments module pays it out and posts
 * Dr customer credit / Cr cash, so the refund never touches the receivable.
 */
export function creditNoteEntry(note: IssuedCreditNoteFigures, accounts: InvoicingAccounts): EntryInput | null {
  const postings = new Postings()
    .debit(accounts.tax_payable, note.tax)
    .credit(outcomeAccount(note.outcome, accounts), note.total);
  for (const line of note.lines) postings.debit(revenueAccount(accounts, line.product_id), line.net_amount);
  const lines = postings.lines();
  if (lines.length === 0) return null;
  return {
    source_type: "credit_note",
    source_id: note.credit_note_id,
    idempotency_key: `credit_note.issued:${note.credit_note_id}`,
    effective_date: note.issue_date,
    memo: `Credit note ${note.credit_note_id} against invoice ${note.invoice_id}`,
    lines,
  };
}

function outcomeAccount(outcome: CreditNoteOutcome, accounts: InvoicingAccounts): string {
  switch (outcome) {
    case "reduce_amount_due":
      return accounts.receivable;
    case "credit_balance":
    case "refund":
      return accounts.customer_credit;
    default:
      return assertNever(outcome, "credit note outcome");
  }
}

/**
 * The reversal of an entry this module posted: the same lines with debit and
 * credit swapped, dated when the reversal happens (a void in April does not
 * rewrite March, which may be closed). Voiding an invoice reverses its
 * finalization entry; voiding a credit note reverses the credit note's.
 */
export function reversalEntry(
  original: EntryInput,
  reversal: { event: "invoice.voided" | "credit_note.voided"; effective_date: Temporal.PlainDate },
): EntryInput {
  return {
    source_type: original.source_type,
    source_id: original.source_id,
    idempotency_key: `${reversal.event}:${original.source_id}`,
    effective_date: reversal.effective_date,
    memo: `Reversal of ${original.idempotency_key}`,
    lines: original.lines.map((line) => ({ account_id: line.account_id, debit: line.credit, credit: line.debit })),
  };
}
