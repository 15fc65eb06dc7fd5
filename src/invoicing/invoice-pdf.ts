import { dueDate, getCustomer } from "../customers/index.js";
import type { Deps } from "../kernel/deps.js";
import { parseId } from "../kernel/ids.js";
import { renderInvoicePdf } from "./document.js";
import { invoiceDocumentFrom } from "./document-model.js";
import { sellerParty, sellerSnapshot } from "./legal-entities.js";
import { loadLegalEntity } from "./legal-entity-service.js";
import { invoiceNotFound } from "./service.js";
import { findInvoice, findLines } from "./store.js";
import { dateIn, plainDate, storedAssembly } from "./views.js";

/**
 * The invoice PDF, rendered from the stored invoice each time it is asked
 * for: rendering is pure (the issue date is the PDF's creation date), so the
 * same finalized invoice always gives the same bytes and nothing is stored.
 * A draft renders as a preview numbered "DRAFT" and dated today, due when
 * the customer's payment terms would make it due if it were finalized today,
 * with the seller as its legal entity is now; a finalized invoice prints the
 * seller and the dates it was finalized with.
 */
export async function invoicePdf(deps: Deps, id: string): Promise<{ number: string; pdf: Buffer }> {
  const invoice = await findInvoice(deps.db, parseId("invoice", id, "id"));
  if (invoice === undefined) throw invoiceNotFound(id);
  const lines = await findLines(deps.db, [invoice.id]);
  const buyer = invoice.addresses;
  const today = dateIn(deps.clock.now(), buyer.time_zone);
  const issueDate = invoice.issue_date === null ? today : plainDate(invoice.issue_date);
  const number = invoice.number ?? "DRAFT";
  // A draft, or an invoice finalized before sellers were kept with it, prints the entity as it is now.
  const seller = invoice.seller ?? sellerSnapshot(await loadLegalEntity(deps.db, invoice.legal_entity));
  const document = invoiceDocumentFrom(storedAssembly(invoice, lines), {
    coupon_names: Object.fromEntries(invoice.discounts.map((discount) => [discount.coupon_id, discount.name])),
    seller: sellerParty(seller),
    buyer,
    number,
    issue_date: issueDate,
    due_date:
      invoice.due_date === null
        ? dueDate((await getCustomer(deps, invoice.customer_id)).payment_terms, issueDate)
        : plainDate(invoice.due_date),
    po_number: invoice.po_number,
    payment_instructions: seller.payment_instructions,
    memo: invoice.memo,
  });
  return { number, pdf: await renderInvoicePdf(document) };
}
