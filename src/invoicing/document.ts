import { assertNever } from "../kernel/errors.js";
import { type Column, LocaleFormat, PageWriter } from "./document-layout.js";
import {
  CREDIT_NOTE_OUTCOME_LABELS,
  CREDIT_NOTE_REASON_LABELS,
  type CreditNoteDocument,
  type DocumentLine,
  type DocumentParty,
  type DocumentTaxRow,
  type InvoiceDocument,
} from "./document-model.js";

/**
 * Invoice and credit note PDFs. Rendering is a pure function of the document
 * (the creation date is the issue date, never the clock), so the same
 * finalized invoice always yields the same bytes and can be rendered again
 * instead of stored. Labels are English; figures and dates follow the
 * buyer's locale.
 */

const PARTY_WIDTH = 240;
const META_WIDTH = 230;
const TOTALS_WIDTH = 300;

const INVOICE_COLUMNS: readonly Column[] = [
  { header: "Description", width: 0, align: "left" },
  { header: "Qty", width: 60, align: "right" },
  { header: "Unit price", width: 105, align: "right" },
  { header: "Amount", width: 95, align: "right" },
];

const CREDIT_NOTE_COLUMNS: readonly Column[] = [
  { header: "Description", width: 0, align: "left" },
  { header: "Net", width: 95, align: "right" },
  { header: "Tax", width: 85, align: "right" },
  { header: "Total", width: 95, align: "right" },
];

/** The description column takes what the figures leave. */
function fitColumns(columns: readonly Column[], width: number): Column[] {
  const fixed = columns.reduce((total, column) => total + column.width, 0);
  return columns.map((column) => (column.width === 0 ? { ...column, width: width - fixed } : column));
}

/** Seller top left, the title and the document's key facts top right, the buyer below. */
function heading(
  writer: PageWriter,
  title: string,
  parties: { seller: DocumentParty; buyer: DocumentParty },
  facts: [string, string][],
  format: LocaleFormat,
): void {
  const start = writer.y;
  const sellerHeight = writer.party(null, parties.seller, writer.left, PARTY_WIDTH, format);
  writer.text(title, writer.left + writer.width - META_WIDTH, {
    width: META_WIDTH,
    size: 20,
    bold: true,
    align: "right",
  });
  writer.y += 30;
  const factsHeight = writer.keyValues(facts, META_WIDTH);
  writer.y = start + Math.max(sellerHeight, factsHeight + 30) + 22;
  writer.y += writer.party("Bill to", parties.buyer, writer.left, PARTY_WIDTH, format) + 20;
}

function periodText(line: DocumentLine, format: LocaleFormat): string | undefined {
  const parts: string[] = [];
  if (line.period !== null) parts.push(`${format.date(line.period.start)} – ${format.date(line.period.end)}`);
  if (line.proration) parts.push("Prorated");
  return parts.length === 0 ? undefined : parts.join(" · ");
}

function taxLabel(row: DocumentTaxRow, format: LocaleFormat): string {
  const base = format.money(row.taxable_amount);
  switch (row.kind) {
    case "standard":
      return `${row.name} ${format.percent(row.percentage)} on ${base}`;
    case "exempt":
    case "reverse_charge":
      return `${row.name} on ${base}`;
    default:
      return assertNever(row.kind, "tax row kind");
  }
}

function invoiceTotals(document: InvoiceDocument, format: LocaleFormat): [string, string][] {
  const negative = (amount: InvoiceDocument["total"]) => format.money(amount.neg());
  const rows: [string, string][] = [["Subtotal", format.money(document.subtotal)]];
  for (const discount of document.discounts) rows.push([`Discount (${discount.name})`, negative(discount.amount)]);
  for (const row of document.tax_breakdown) rows.push([taxLabel(row, format), format.money(row.tax_amount)]);
  rows.push(["Total", format.money(document.total)]);
  if (!document.credit_applied.isZero()) rows.push(["Credit balance applied", negative(document.credit_applied)]);
  rows.push(["Amount paid", negative(document.amount_paid)]);
  return rows;
}

function drawTotals(writer: PageWriter, rows: [string, string][], last: [string, string]): void {
  writer.ensureSpace(rows.length * 14 + 40);
  writer.gap(6);
  writer.y += writer.keyValues(rows, TOTALS_WIDTH, { labelShare: 0.6 });
  writer.rule(TOTALS_WIDTH);
  writer.gap(6);
  writer.y += writer.keyValues([last], TOTALS_WIDTH, { size: 12, emphasis: true, labelShare: 0.5 }) + 14;
}

export async function renderInvoicePdf(document: InvoiceDocument): Promise<Buffer> {
  const format = new LocaleFormat(document.locale, document.currency);
  const writer = new PageWriter(`Invoice ${document.number}`, document.issue_date);
  const facts: [string, string][] = [
    ["Invoice number", document.number],
    ["Issue date", format.date(document.issue_date)],
    ["Due date", format.date(document.due_date)],
  ];
  if (document.po_number !== null) facts.push(["PO number", document.po_number]);
  heading(writer, "INVOICE", document, facts, format);
  writer.line(`${format.money(document.amount_due)} due ${format.date(document.due_date)}`, { size: 13, bold: true });
  writer.gap(14);
  const rows = document.lines.map((line) => [
    { text: line.description, detail: periodText(line, format) },
    { text: format.quantity(line.quantity) },
    { text: format.money(line.unit_price) },
    { text: format.money(line.amount) },
  ]);
  writer.table(fitColumns(INVOICE_COLUMNS, writer.width), rows, `Invoice ${document.number} (continued)`);
  drawTotals(writer, invoiceTotals(document, format), ["Amount due", format.money(document.amount_due)]);
  if (document.reverse_charge_note !== null) writer.section("Reverse charge", document.reverse_charge_note);
  if (document.payment_instructions !== null) writer.section("Payment instructions", document.payment_instructions);
  if (document.memo !== null) writer.section("Notes", document.memo);
  return writer.finish(`${document.seller.legal_name} · Invoice ${document.number}`);
}

export async function renderCreditNotePdf(document: CreditNoteDocument): Promise<Buffer> {
  const format = new LocaleFormat(document.locale, document.currency);
  const writer = new PageWriter(`Credit note ${document.number}`, document.issue_date);
  const facts: [string, string][] = [
    ["Credit note number", document.number],
    ["Issue date", format.date(document.issue_date)],
    ["Credits invoice", document.invoice_number],
    ["Invoice date", format.date(document.invoice_issue_date)],
  ];
  if (document.voided !== null) facts.push(["Voided", format.date(document.voided.on)]);
  heading(writer, "CREDIT NOTE", document, facts, format);
  if (document.voided !== null) {
    // The number stays in the series; the reader must see at once that nothing is credited.
    writer.line(`VOID: this credit note was cancelled on ${format.date(document.voided.on)} and credits nothing.`, {
      size: 12,
      bold: true,
      color: "#b00020",
    });
    if (document.voided.reason !== null) writer.line(`Void reason: ${document.voided.reason}`, { size: 10 });
    writer.gap(10);
  }
  writer.line(`Reason: ${CREDIT_NOTE_REASON_LABELS[document.reason]}`, { size: 10, bold: true });
  writer.gap(14);
  const rows = document.lines.map((line) => [
    { text: line.description },
    { text: format.money(line.net_amount) },
    { text: format.money(line.tax_amount) },
    { text: format.money(line.net_amount.plus(line.tax_amount)) },
  ]);
  writer.table(fitColumns(CREDIT_NOTE_COLUMNS, writer.width), rows, `Credit note ${document.number} (continued)`);
  drawTotals(
    writer,
    [
      ["Subtotal", format.money(document.subtotal)],
      ["Tax", format.money(document.tax)],
    ],
    ["Total credited", format.money(document.total)],
  );
  writer.section("Settlement", CREDIT_NOTE_OUTCOME_LABELS[document.outcome]);
  if (document.memo !== null) writer.section("Notes", document.memo);
  return writer.finish(`${document.seller.legal_name} · Credit note ${document.number}`);
}
