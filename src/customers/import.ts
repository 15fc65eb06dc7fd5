import type { RequestContext } from "../kernel/actor.js";
import type { Deps } from "../kernel/deps.js";
import { DomainError } from "../kernel/errors.js";
import { type CsvRecord, parseCsv } from "./csv.js";
import type { Contact, ContactRole } from "./fields.js";
import { type AddressInput, type CustomerChanges, canonicalJson, type PaymentTerms } from "./model.js";
import { createCustomerBody, updateCustomerBody } from "./schemas.js";
import { type Customer, createCustomer, getCustomer, updateCustomer } from "./service.js";
import type { TaxIdType } from "./tax-ids.js";

/**
 * `accrue customers import FILE.csv`: one customer per row, matched on
 * external_id, so importing the same file twice changes nothing the second
 * time and a corrected file updates what it corrects. Each row is its own
 * transaction through the same service as the API (same checks, same audit),
 * and a bad row is reported with its code and column without stopping the rest.
 * An empty cell leaves the field as it is.
 */

const ADDRESS_PARTS = ["line1", "line2", "city", "region", "postal_code", "country"] as const;

export const IMPORT_COLUMNS = [
  "external_id",
  "legal_name",
  "display_name",
  "emails",
  "currency",
  "time_zone",
  "locale",
  "payment_terms",
  "po_required",
  "credit_limit",
  "tags",
  ...ADDRESS_PARTS.map((part) => `billing_${part}`),
  ...ADDRESS_PARTS.map((part) => `shipping_${part}`),
  "tax_id_type",
  "tax_id_value",
  "tax_id_country",
  "contact_name",
  "contact_email",
  "contact_role",
  "contact_phone",
  "invoice_emails",
  "invoice_postal",
  "portal_name",
  "portal_id",
] as const;

const REQUIRED_COLUMNS = ["external_id", "legal_name", "currency"];
const METADATA_COLUMN = /^metadata\.([A-Za-z0-9_.-]{1,40})$/;

export interface ImportRowResult {
  /** The spreadsheet row: the header is row 1. */
  row: number;
  line: number;
  external_id: string | null;
  outcome: "created" | "updated" | "unchanged" | "error";
  customer_id?: string;
  code?: string;
  /** The column at fault, where one is. */
  column?: string;
  message?: string;
}

export interface CustomerImportResult {
  rows: ImportRowResult[];
  created: number;
  updated: number;
  unchanged: number;
  failed: number;
}

type Row = ReadonlyMap<string, string>;

function checkHeader(header: CsvRecord | undefined): string[] {
  if (header === undefined)
    throw new DomainError("csv_malformed", "the file is empty: the first line names the columns");
  const columns = header.fields.map((name) => name.trim().toLowerCase());
  for (const name of columns) {
    if (!(IMPORT_COLUMNS as readonly string[]).includes(name) && !METADATA_COLUMN.test(name)) {
      throw new DomainError("import_column_unknown", `unknown column ${JSON.stringify(name)}`, { param: name });
    }
  }
  for (const name of REQUIRED_COLUMNS) {
    if (!columns.includes(name)) {
      throw new DomainError("import_column_missing", `the file needs a ${name} column`, { param: name });
    }
  }
  return columns;
}

function cellError(column: string, message: string): DomainError {
  return new DomainError("parameter_invalid", message, { param: column });
}

const list = (cell: string) =>
  cell
    .split(";")
    .map((item) => item.trim())
    .filter((item) => item !== "");

function booleanCell(cell: string, column: string): boolean {
  const value = cell.trim().toLowerCase();
  if (["true", "yes", "y", "1"].includes(value)) return true;
  if (["false", "no", "n", "0"].includes(value)) return false;
  throw cellError(column, `${JSON.stringify(cell)} is not true or false`);
}

/** "due_on_receipt", "net 30" (or "net30", "net_30"), "day_of_month 15". */
export function paymentTermsCell(cell: string): PaymentTerms {
  const text = cell.trim().toLowerCase();
  if (text === "due_on_receipt") return { type: "due_on_receipt" };
  const net = /^net[\s_]*(\d{1,3})$/.exec(text);
  if (net !== null) return { type: "net", days: Number(net[1]) };
  const day = /^day_of_month[\s_]*(\d{1,2})$/.exec(text);
  if (day !== null) return { type: "day_of_month", day: Number(day[1]) };
  throw cellError("payment_terms", `${JSON.stringify(cell)} is not due_on_receipt, "net N" or "day_of_month N"`);
}

/** Address cells merge into the existing address: the file may correct one part. */
function addressFrom(
  row: Row,
  prefix: "billing" | "shipping",
  existing: Customer["billing_address"],
): AddressInput | undefined {
  const given = ADDRESS_PARTS.filter((part) => (row.get(`${prefix}_${part}`) ?? "") !== "");
  if (given.length === 0) return undefined;
  const address: AddressInput = { ...(existing ?? { country: "" }) };
  for (const part of given) address[part] = row.get(`${prefix}_${part}`) ?? "";
  if (address.country === "")
    throw new DomainError("parameter_missing", "an address needs a country", { param: `${prefix}_country` });
  return address;
}

/** The file's contact replaces the contacts; one with the same email keeps its id. */
function contactsFrom(row: Row, existing: Contact[]): CustomerChanges["contacts"] {
  const name = row.get("contact_name") ?? "";
  const email = row.get("contact_email") ?? "";
  if (name === "" && email === "") return undefined;
  const same = existing.find((contact) => contact.email.toLowerCase() === email.trim().toLowerCase());
  const role = (row.get("contact_role") || same?.role || "billing") as ContactRole;
  const phone = row.get("contact_phone") || same?.phone || null;
  return [{ ...(same === undefined ? {} : { id: same.id }), name, email, role, phone }];
}

function metadataFrom(row: Row, existing: Record<string, string>): Record<string, string> | undefined {
  const entries = [...row].flatMap(([column, cell]) => {
    const key = METADATA_COLUMN.exec(column)?.[1];
    return key === undefined || cell === "" ? [] : [[key, cell] as const];
  });
  return entries.length === 0 ? undefined : { ...existing, ...Object.fromEntries(entries) };
}

/** What a row says, as a partial update: empty cells say nothing. */
function changesFrom(row: Row, existing: Customer | null): CustomerChanges {
  const cell = (column: string) => {
    const value = row.get(column) ?? "";
    return value === "" ? undefined : value;
  };
  const changes: CustomerChanges = {
    external_id: cell("external_id"),
    legal_name: cell("legal_name"),
    display_name: cell("display_name"),
    emails: cell("emails") === undefined ? undefined : list(cell("emails") ?? ""),
    currency: cell("currency")?.trim().toUpperCase(),
    time_zone: cell("time_zone")?.trim(),
    locale: cell("locale")?.trim(),
    payment_terms: cell("payment_terms") === undefined ? undefined : paymentTermsCell(cell("payment_terms") ?? ""),
    po_required: cell("po_required") === undefined ? undefined : booleanCell(cell("po_required") ?? "", "po_required"),
    credit_limit: cell("credit_limit")?.trim(),
    tags: cell("tags") === undefined ? undefined : list(cell("tags") ?? ""),
    billing_address: addressFrom(row, "billing", existing?.billing_address ?? null),
    shipping_address: addressFrom(row, "shipping", existing?.shipping_address ?? null),
    contacts: contactsFrom(row, existing?.contacts ?? []),
    metadata: metadataFrom(row, existing?.metadata ?? {}),
  };
  const taxType = cell("tax_id_type");
  const taxValue = cell("tax_id_value");
  if (taxType !== undefined || taxValue !== undefined) {
    changes.tax_ids = [
      {
        type: (taxType?.trim().toLowerCase() ?? "") as TaxIdType,
        value: taxValue ?? "",
        country: cell("tax_id_country")?.trim().toUpperCase(),
      },
    ];
  }
  const invoiceEmails = cell("invoice_emails");
  const postal = cell("invoice_postal");
  if (
    invoiceEmails !== undefined ||
    postal !== undefined ||
    cell("portal_name") !== undefined ||
    cell("portal_id") !== undefined
  ) {
    changes.invoice_delivery = {
      ...(invoiceEmails === undefined ? {} : { emails: list(invoiceEmails) }),
      ...(postal === undefined ? {} : { postal: booleanCell(postal, "invoice_postal") }),
      ...(cell("portal_name") === undefined ? {} : { portal_name: cell("portal_name") }),
      ...(cell("portal_id") === undefined ? {} : { portal_id: cell("portal_id") }),
    };
  }
  return Object.fromEntries(Object.entries(changes).filter(([, value]) => value !== undefined));
}

/** Turns an API field path ("billing_address.postal_code", "tax_ids.0.value") into the file's column. */
export function columnFor(param: string | undefined): string | undefined {
  if (param === undefined) return undefined;
  const rules: [RegExp, (match: RegExpExecArray) => string][] = [
    [/^(billing|shipping)_address\.(\w+)/, (m) => `${m[1]}_${m[2]}`],
    [/^tax_ids\.\d+\.(\w+)/, (m) => `tax_id_${m[1]}`],
    [/^contacts\.\d+\.(\w+)/, (m) => `contact_${m[1]}`],
    [/^invoice_delivery\.emails/, () => "invoice_emails"],
    [/^invoice_delivery\.postal/, () => "invoice_postal"],
    [/^invoice_delivery\.(portal_\w+)/, (m) => m[1] ?? ""],
    [/^payment_terms/, () => "payment_terms"],
    [/^metadata\.?(.*)/, (m) => `metadata.${m[1]}`],
    [/^(emails|tags)\.\d+/, (m) => m[1] ?? ""],
  ];
  for (const [pattern, column] of rules) {
    const match = pattern.exec(param);
    if (match !== null) return column(match);
  }
  return param;
}

/** The API's shape checks (lengths, control characters), so a file cannot put in what a request could not. */
function checkShape(changes: CustomerChanges, creating: boolean): void {
  const result = (creating ? createCustomerBody : updateCustomerBody).safeParse(changes);
  if (result.success) return;
  const issue = result.error.issues[0];
  const path = issue?.path.join(".") ?? "";
  const missing = issue?.code === "invalid_type" && issue.input === undefined;
  throw new DomainError(
    missing ? "parameter_missing" : "parameter_invalid",
    `${path}: ${issue?.message ?? "is invalid"}`,
    { param: path },
  );
}

async function importRow(deps: Deps, ctx: RequestContext, row: Row): Promise<Omit<ImportRowResult, "row" | "line">> {
  const externalId = (row.get("external_id") ?? "").trim();
  if (externalId === "") {
    throw new DomainError(
      "parameter_missing",
      "every row needs an external_id: it is how a re-import finds the customer",
      { param: "external_id" },
    );
  }
  const existing = await findByExternalId(deps, externalId);
  const changes = changesFrom(row, existing);
  checkShape(changes, existing === null);
  if (existing === null) {
    const created = await createCustomer(deps, ctx, {
      ...changes,
      legal_name: changes.legal_name ?? "",
      currency: changes.currency ?? "",
    });
    return { external_id: externalId, outcome: "created", customer_id: created.id };
  }
  const updated = await updateCustomer(deps, ctx, existing.id, changes);
  const outcome = canonicalJson(updated) === canonicalJson(existing) ? "unchanged" : "updated";
  return { external_id: externalId, outcome, customer_id: existing.id };
}

async function findByExternalId(deps: Deps, externalId: string): Promise<Customer | null> {
  try {
    return await getCustomer(deps, externalId);
  } catch (error) {
    if (error instanceof DomainError && error.code === "customer_not_found") return null;
    throw error;
  }
}

/** Imports every row; `onRow` hears each result as it happens (the CLI prints them). */
export async function importCustomers(
  deps: Deps,
  ctx: RequestContext,
  csvText: string,
  onRow: (result: ImportRowResult) => void = () => {},
): Promise<CustomerImportResult> {
  const [header, ...records] = parseCsv(csvText);
  const columns = checkHeader(header);
  const result: CustomerImportResult = { rows: [], created: 0, updated: 0, unchanged: 0, failed: 0 };
  for (const [index, record] of records.entries()) {
    const row = new Map(columns.map((column, position) => [column, record.fields[position] ?? ""]));
    const place = { row: index + 2, line: record.line };
    let outcome: ImportRowResult;
    try {
      if (record.fields.length > columns.length) {
        throw new DomainError(
          "csv_malformed",
          `the row has ${record.fields.length} cells but the header names ${columns.length} columns`,
        );
      }
      outcome = { ...place, ...(await importRow(deps, ctx, row)) };
    } catch (error) {
      if (!(error instanceof DomainError)) throw error;
      const column = columnFor(error.param);
      const externalId = (row.get("external_id") ?? "").trim() || null;
      outcome = {
        ...place,
        external_id: externalId,
        outcome: "error",
        code: error.code,
        message: error.message,
        ...(column === undefined ? {} : { column }),
      };
    }
    result.rows.push(outcome);
    if (outcome.outcome === "error") result.failed++;
    else result[outcome.outcome]++;
    onRow(outcome);
  }
  return result;
}
