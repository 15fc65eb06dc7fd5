import type { Temporal } from "temporal-polyfill";
import { recordAudit } from "../access/index.js";
import { type Customer, customerDeps, getCustomer, testClockInvoicePrefix } from "../customers/index.js";
import type { RequestContext } from "../kernel/actor.js";
import { toDate } from "../kernel/clock.js";
import { inTransaction, type Tx } from "../kernel/db.js";
import type { Deps } from "../kernel/deps.js";
import { DomainError } from "../kernel/errors.js";
import { newId, parseId } from "../kernel/ids.js";
import { parseAmount, parseCurrency } from "../kernel/money.js";
import type { Page, PageRequest } from "../kernel/pagination.js";
import { parseInstant } from "../kernel/time.js";
import { priceDraft } from "./draft-pricing.js";
import { loadLegalEntity } from "./legal-entity-service.js";
import { isInvoiceEditable } from "./lifecycle.js";
import {
  type BuyerSnapshot,
  deleteLine,
  findInvoice,
  findItem,
  findLines,
  type InvoiceFilter,
  type InvoiceRow,
  type ItemRow,
  insertInvoice,
  insertItem,
  insertLines,
  type LineRow,
  listInvoiceRows,
  listItemRows,
  type NewLineRow,
  takePendingItems,
  updateInvoice,
  updateLine,
} from "./store.js";
import { type InvoiceJson, invoiceJson, itemJson } from "./views.js";

/**
 * Draft invoices: create one for a customer, edit its lines, PO number and
 * memo (each edit audited with before and after), and the pending invoice
 * items that join the customer's next draft. Finalizing, voiding and writing
 * off live in finalization.ts.
 */

/** A line as the caller writes it; amounts are decimal text, the period ISO instants. */
export interface DraftLineInput {
  description: string;
  quantity?: string | undefined;
  unit_amount: string;
  period?: { start: string; end: string } | null | undefined;
  product_id?: string | null | undefined;
  /** Percent, "20" for 20 %; no tax when left out. */
  tax_rate?: string | undefined;
  tax_name?: string | undefined;
}

export interface CreateDraftInput {
  customer_id: string;
  /** The customer's currency when left out. */
  currency?: string | undefined;
  lines?: DraftLineInput[] | undefined;
  po_number?: string | null | undefined;
  memo?: string | null | undefined;
  /** The legal entity that bills it: the seller printed and the number series; the customer's when left out. */
  legal_entity?: string | undefined;
}

export interface DraftChanges {
  po_number?: string | null | undefined;
  memo?: string | null | undefined;
}

/**
 * Who bills a customer's new invoice and in which series: the customer's
 * legal entity, and for a test-clock customer the clock's own series, never
 * the live one. Spread into every new invoice row.
 */
export function seriesFor(customer: Pick<Customer, "test_clock" | "legal_entity">): {
  series?: string;
  legal_entity: string;
} {
  const entity = { legal_entity: customer.legal_entity };
  return customer.test_clock === null ? entity : { ...entity, series: testClockInvoicePrefix(customer.test_clock) };
}

export function buyerSnapshot(customer: Customer): BuyerSnapshot {
  return {
    legal_name: customer.legal_name,
    billing_address: customer.billing_address,
    shipping_address: customer.shipping_address,
    tax_ids: customer.tax_ids,
    locale: customer.locale,
    time_zone: customer.time_zone,
  };
}

export function invoiceNotFound(id: string): DomainError {
  return new DomainError("invoice_not_found", `no invoice ${id}`, { param: "id" });
}

/** Loads and locks an invoice with its lines. */
export async function loadInvoice(tx: Tx, id: string): Promise<{ invoice: InvoiceRow; lines: LineRow[] }> {
  const invoice = await findInvoice(tx, parseId("invoice", id, "id"), true);
  if (invoice === undefined) throw invoiceNotFound(id);
  return { invoice, lines: await findLines(tx, [invoice.id]) };
}

async function loadDraft(tx: Tx, id: string) {
  const loaded = await loadInvoice(tx, id);
  if (!isInvoiceEditable(loaded.invoice.status)) {
    throw new DomainError(
      "invoice_not_draft",
      `invoice ${id} is ${loaded.invoice.status}: only a draft can be edited`,
      {
        param: "id",
        details: { status: loaded.invoice.status },
      },
    );
  }
  return loaded;
}

type StoredLine = Omit<NewLineRow, "id" | "invoice_id" | "position" | "amount" | "tax_amount">;

function lineColumns(input: DraftLineInput, param: string): StoredLine {
  const period = input.period ?? null;
  return {
    description: input.description,
    quantity: parseAmount(input.quantity ?? "1", `${param}.quantity`).toString(),
    unit_amount: parseAmount(input.unit_amount, `${param}.unit_amount`).toString(),
    period_start: period === null ? null : toDate(parseInstant(period.start, `${param}.period.start`)),
    period_end: period === null ? null : toDate(parseInstant(period.end, `${param}.period.end`)),
    product_id: input.product_id == null ? null : parseId("product", input.product_id, `${param}.product_id`),
    tax_rate: parseAmount(input.tax_rate ?? "0", `${param}.tax_rate`).toString(),
    tax_name: input.tax_name ?? (input.tax_rate === undefined ? "No tax" : "Tax"),
    tax_override: input.tax_rate !== undefined,
    proration: false,
    source_type: "manual",
    source_id: null,
  };
}

function itemLine(item: ItemRow): StoredLine {
  const { description, quantity, unit_amount, period_start, period_end, product_id, tax_rate, tax_name } = item;
  return {
    ...{ description, quantity, unit_amount, period_start, period_end, product_id, tax_rate, tax_name },
    tax_override: item.tax_override,
    proration: false,
    source_type: "invoice_item",
    source_id: item.id,
  };
}

async function appendLines(tx: Tx, invoiceId: string, after: number, lines: readonly StoredLine[]): Promise<void> {
  await insertLines(
    tx,
    lines.map((line, index) => ({
      ...line,
      id: newId("invoice_line"),
      invoice_id: invoiceId,
      position: after + index + 1,
      amount: "0",
      tax_amount: "0",
    })),
  );
}

/**
 * Prices a draft from its stored lines through the one pricing path (tax
 * rates, discounts; the credit balance too when `finalizing`) and stores
 * every figure, so a draft always shows what finalizing it would post.
 * Returns the invoice as the API shows it.
 */
export async function recompute(
  deps: Deps,
  tx: Tx,
  invoiceId: string,
  finalizing: { issue_date: Temporal.PlainDate } | null = null,
): Promise<InvoiceJson> {
  await priceDraft(deps, tx, await loadInvoice(tx, invoiceId), finalizing);
  const fresh = await loadInvoice(tx, invoiceId);
  return invoiceJson(fresh.invoice, fresh.lines);
}

export async function createDraft(baseDeps: Deps, ctx: RequestContext, input: CreateDraftInput): Promise<InvoiceJson> {
  const deps = await customerDeps(baseDeps, input.customer_id);
  return inTransaction(deps.db, async (tx) => {
    const customer = await getCustomer(deps, input.customer_id, tx);
    const currency = parseCurrency(input.currency ?? customer.currency, "currency");
    const entity = await loadLegalEntity(tx, input.legal_entity ?? customer.legal_entity);
    const id = newId("invoice");
    const at = deps.clock.now();
    await insertInvoice(tx, {
      id,
      customer_id: customer.id,
      ...seriesFor(customer),
      legal_entity: entity.id,
      currency,
      status: "draft",
      addresses: buyerSnapshot(customer),
      po_number: input.po_number ?? null,
      memo: input.memo ?? null,
      created_at: toDate(at),
    });
    const lines = (input.lines ?? []).map((line, index) => lineColumns(line, `lines.${index}`));
    const items = await takePendingItems(tx, customer.id, currency, id);
    await appendLines(tx, id, 0, [...lines, ...items.map(itemLine)]);
    const after = await recompute(deps, tx, id);
    await recordAudit(tx, ctx, { action: "invoice.created", object_type: "invoice", object_id: id, after }, at);
    return after;
  });
}

/** Runs one audited edit on a draft: refused with `invoice_not_draft` once the invoice is finalized. */
async function editDraft(
  deps: Deps,
  ctx: RequestContext,
  id: string,
  action: string,
  edit: (tx: Tx, draft: { invoice: InvoiceRow; lines: LineRow[] }) => Promise<void>,
): Promise<InvoiceJson> {
  return inTransaction(deps.db, async (tx) => {
    const draft = await loadDraft(tx, id);
    const before = invoiceJson(draft.invoice, draft.lines);
    await edit(tx, draft);
    const after = await recompute(deps, tx, draft.invoice.id);
    await recordAudit(
      tx,
      ctx,
      { action, object_type: "invoice", object_id: draft.invoice.id, before, after },
      deps.clock.now(),
    );
    return after;
  });
}

export async function updateDraft(deps: Deps, ctx: RequestContext, id: string, changes: DraftChanges) {
  return editDraft(deps, ctx, id, "invoice.updated", async (tx, { invoice }) => {
    await updateInvoice(tx, invoice.id, {
      ...(changes.po_number === undefined ? {} : { po_number: changes.po_number }),
      ...(changes.memo === undefined ? {} : { memo: changes.memo }),
    });
  });
}

export async function addDraftLine(deps: Deps, ctx: RequestContext, id: string, line: DraftLineInput) {
  return editDraft(deps, ctx, id, "invoice.line_added", async (tx, { invoice, lines }) => {
    const last = lines.reduce((max, row) => Math.max(max, row.position), 0);
    await appendLines(tx, invoice.id, last, [lineColumns(line, "line")]);
  });
}

function findDraftLine(lines: readonly LineRow[], lineId: string): LineRow {
  const line = lines.find((row) => row.id === lineId);
  if (line === undefined) {
    throw new DomainError("invoice_line_not_found", `the invoice has no line ${lineId}`, { param: "line_id" });
  }
  return line;
}

export async function updateDraftLine(
  deps: Deps,
  ctx: RequestContext,
  id: string,
  lineId: string,
  line: DraftLineInput,
) {
  return editDraft(deps, ctx, id, "invoice.line_updated", async (tx, { lines }) => {
    const existing = findDraftLine(lines, lineId);
    const { source_type: _type, source_id: _id, ...columns } = lineColumns(line, "line");
    await updateLine(tx, existing.id, columns);
  });
}

export async function removeDraftLine(deps: Deps, ctx: RequestContext, id: string, lineId: string) {
  return editDraft(deps, ctx, id, "invoice.line_removed", async (tx, { lines }) => {
    await deleteLine(tx, findDraftLine(lines, lineId).id);
  });
}

export async function getInvoice(deps: Deps, id: string): Promise<InvoiceJson> {
  const invoice = await findInvoice(deps.db, parseId("invoice", id, "id"));
  if (invoice === undefined) throw invoiceNotFound(id);
  return invoiceJson(invoice, await findLines(deps.db, [invoice.id]));
}

export async function listInvoices(deps: Deps, filter: InvoiceFilter, page: PageRequest): Promise<Page<InvoiceJson>> {
  const rows = await listInvoiceRows(deps.db, filter, page);
  const lines = await findLines(
    deps.db,
    rows.data.map((row) => row.id),
  );
  return {
    data: rows.data.map((row) =>
      invoiceJson(
        row,
        lines.filter((line) => line.invoice_id === row.id),
      ),
    ),
    has_more: rows.has_more,
  };
}

export interface InvoiceItemInput extends DraftLineInput {
  customer_id: string;
  currency?: string | undefined;
}

/** A one-off charge waiting for the customer's next draft in its currency. */
export async function createInvoiceItem(deps: Deps, ctx: RequestContext, input: InvoiceItemInput) {
  return inTransaction(deps.db, async (tx) => {
    const customer = await getCustomer(deps, input.customer_id, tx);
    const columns = lineColumns(input, "item");
    const at = deps.clock.now();
    const item = await insertItem(tx, {
      id: newId("invoice_item"),
      customer_id: customer.id,
      currency: parseCurrency(input.currency ?? customer.currency, "currency"),
      ...{ description: columns.description, quantity: columns.quantity, unit_amount: columns.unit_amount },
      ...{ product_id: columns.product_id ?? null, tax_rate: columns.tax_rate, tax_name: columns.tax_name },
      tax_override: columns.tax_override ?? false,
      period_start: columns.period_start ?? null,
      period_end: columns.period_end ?? null,
      created_at: toDate(at),
    });
    const after = itemJson(item);
    await recordAudit(
      tx,
      ctx,
      { action: "invoice_item.created", object_type: "invoice_item", object_id: item.id, after },
      at,
    );
    return after;
  });
}

export async function getInvoiceItem(deps: Deps, id: string) {
  const item = await findItem(deps.db, parseId("invoice_item", id, "id"));
  if (item === undefined) throw new DomainError("invoice_item_not_found", `no invoice item ${id}`, { param: "id" });
  return itemJson(item);
}

export async function listInvoiceItems(
  deps: Deps,
  filter: { customer_id?: string | undefined; pending?: boolean | undefined },
  page: PageRequest,
) {
  const rows = await listItemRows(deps.db, filter, page);
  return { data: rows.data.map(itemJson), has_more: rows.has_more };
}

/** The customer's pending invoice items in the invoice's currency join it, after line `after`. */
export async function appendPendingItems(
  tx: Tx,
  invoice: { id: string; customer_id: string; currency: string },
  after: number,
): Promise<number> {
  const items = await takePendingItems(tx, invoice.customer_id, invoice.currency, invoice.id);
  await appendLines(tx, invoice.id, after, items.map(itemLine));
  return items.length;
}
