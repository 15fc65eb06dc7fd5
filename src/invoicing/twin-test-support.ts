import { sql } from "kysely";
import type { Executor } from "../kernel/db.js";
import type { getInvoice } from "./service.js";

/**
 * What the twin-customer tests compare: one twin billed the batch way, the
 * other one invoice at a time, and everything but what must differ equal.
 */

/** The invoice without what differs between twins (ids, the customer, the number, the entry). */
export function comparable(invoice: Awaited<ReturnType<typeof getInvoice>>) {
  const {
    id: _id,
    customer_id: _customer,
    number: _number,
    ledger_entry_id: _entry,
    subscription_id: _sub,
    ...rest
  } = invoice;
  return { ...rest, created_at: undefined, lines: invoice.lines.map(({ id: _line, source: _s, ...line }) => line) };
}

/** Every posted line of every invoice's entry, by account role, in number order: a function of the customer. */
export async function postedLinesOf(db: Executor) {
  const entries = await sql<{ source: string; debit: string; credit: string; code: string }>`
    select i.customer_id as source, l.debit::text, l.credit::text, split_part(a.code, ':', 1) as code
      from invoices i join ledger_lines l on l.entry_id = i.ledger_entry_id join ledger_accounts a on a.id = l.account_id
     order by i.number, a.code, l.debit, l.credit`.execute(db);
  return (customer: string) =>
    entries.rows.filter((row) => row.source === customer).map(({ source: _s, ...row }) => row);
}
