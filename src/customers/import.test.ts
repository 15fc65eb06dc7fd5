import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { Command } from "commander";
import { sql } from "kysely";
import { afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { freshDatabase } from "../../test/support/database.js";
import { register as registerCustomers } from "../cli/commands/customers.js";
import { systemContext } from "../kernel/actor.js";
import { TestClock } from "../kernel/clock.js";
import { DomainError } from "../kernel/errors.js";
import { columnFor, importCustomers, paymentTermsCell } from "./import.js";
import { customerHistory, getCustomer } from "./service.js";

const { db, url } = await freshDatabase();
const clock = new TestClock("2026-05-04T12:00:00Z");
const deps = { db, clock };
const ctx = { ...systemContext("customers_import", "req_import"), reason: "import of customers.csv" };

const FILE = [
  "external_id,legal_name,currency,time_zone,payment_terms,billing_line1,billing_city,billing_region,billing_postal_code,billing_country,tax_id_type,tax_id_value,contact_name,contact_email,tags,po_required,metadata.segment",
  'ACME-1,"Acme, Inc.",USD,America/New_York,net 30,1 Main St,Austin,TX,78701,US,us_ein,12-3456789,Ana,ana@acme.test,enterprise;us,yes,mid-market',
  "GLOBEX,Globex GmbH,EUR,Europe/Berlin,day_of_month 15,Unter den Linden 1,Berlin,,10117,DE,eu_vat,DE123456789,,,,,",
  "BAD-ZIP,Bad Zip LLC,USD,,due_on_receipt,,,,9410,US,,,,,,,",
  ",No Id Ltd,GBP,,,,,,,,,,,,,,",
  "BAD-VAT,Bad VAT BV,EUR,,,,,,,,eu_vat,NL123,,,,,",
  "BAD-TERMS,Bad Terms,EUR,,net thirty,,,,,,,,,,,,",
  "NO-NAME,,EUR,,,,,,,,,,,,,,",
].join("\r\n");

async function customerCount(): Promise<number> {
  const result = await sql<{ n: string }>`select count(*) as n from customers`.execute(db);
  return Number(result.rows[0]?.n);
}

describe("importCustomers", () => {
  it("creates good rows and reports each bad one with its code and column", async () => {
    const result = await importCustomers(deps, ctx, FILE);
    expect(result).toMatchObject({ created: 2, updated: 0, unchanged: 0, failed: 5 });
    expect(result.rows.map(({ row, outcome, code, column }) => ({ row, outcome, code, column }))).toEqual([
      { row: 2, outcome: "created", code: undefined, column: undefined },
      { row: 3, outcome: "created", code: undefined, column: undefined },
      { row: 4, outcome: "error", code: "invalid_postal_code", column: "billing_postal_code" },
      { row: 5, outcome: "error", code: "parameter_missing", column: "external_id" },
      { row: 6, outcome: "error", code: "invalid_tax_id", column: "tax_id_value" },
      { row: 7, outcome: "error", code: "parameter_invalid", column: "payment_terms" },
      { row: 8, outcome: "error", code: "parameter_missing", column: "legal_name" },
    ]);
    const acme = await getCustomer(deps, "ACME-1");
    expect(acme).toMatchObject({
      legal_name: "Acme, Inc.",
      time_zone: "America/New_York",
      payment_terms: { type: "net", days: 30 },
      billing_address: { line1: "1 Main St", city: "Austin", region: "TX", postal_code: "78701", country: "US" },
      tax_ids: [{ type: "us_ein", value: "12-3456789" }],
      contacts: [{ name: "Ana", email: "ana@acme.test", role: "billing" }],
      tags: ["enterprise", "us"],
      po_required: true,
      metadata: { segment: "mid-market" },
    });
    const [created] = (await customerHistory(deps, "ACME-1", { limit: 1 })).data;
    expect(created).toMatchObject({
      action: "customer.created",
      actor_id: "customers_import",
      reason: "import of customers.csv",
    });
  });

  it("is idempotent on external_id: the same file again changes nothing", async () => {
    const count = await customerCount();
    const again = await importCustomers(deps, ctx, FILE);
    expect(again).toMatchObject({ created: 0, updated: 0, unchanged: 2, failed: 5 });
    expect(await customerCount()).toBe(count);
    expect((await customerHistory(deps, "ACME-1", { limit: 10 })).data).toHaveLength(1);
  });

  it("updates what a corrected file changes, keeping the rest and the contact's id", async () => {
    const before = await getCustomer(deps, "ACME-1");
    const result = await importCustomers(
      deps,
      ctx,
      "external_id,legal_name,currency,billing_postal_code,contact_name,contact_email\nACME-1,,,78702,Ana Ruiz,ana@acme.test\n",
    );
    expect(result.rows[0]).toMatchObject({ outcome: "updated", customer_id: before.id });
    const after = await getCustomer(deps, "ACME-1");
    expect(after.billing_address).toEqual({ ...before.billing_address, postal_code: "78702" });
    expect(after.contacts).toEqual([{ ...before.contacts[0], name: "Ana Ruiz" }]);
    expect(after.legal_name).toBe("Acme, Inc.");
  });

  it("refuses a file whose header is wrong before writing anything", async () => {
    const count = await customerCount();
    for (const [text, code] of [
      ["external_id,legal_name,currency,colour\nX,Y,USD,red\n", "import_column_unknown"],
      ["external_id,legal_name\nX,Y\n", "import_column_missing"],
      ['external_id,legal_name,currency\nX,"Y,USD\n', "csv_malformed"],
      ["", "csv_malformed"],
    ] as const) {
      await expect(importCustomers(deps, ctx, text)).rejects.toSatisfy(
        (error) => error instanceof DomainError && error.code === code,
      );
    }
    expect(await customerCount()).toBe(count);
  });

  it("reads payment terms and maps field paths to columns", () => {
    expect(paymentTermsCell("Net30")).toEqual({ type: "net", days: 30 });
    expect(paymentTermsCell("net_45")).toEqual({ type: "net", days: 45 });
    expect(paymentTermsCell("DUE_ON_RECEIPT")).toEqual({ type: "due_on_receipt" });
    expect(paymentTermsCell("day_of_month 1")).toEqual({ type: "day_of_month", day: 1 });
    expect(columnFor("shipping_address.country")).toBe("shipping_country");
    expect(columnFor("contacts.0.email")).toBe("contact_email");
    expect(columnFor("invoice_delivery.emails.2")).toBe("invoice_emails");
    expect(columnFor("tags.3")).toBe("tags");
    expect(columnFor("currency")).toBe("currency");
  });
});

describe("accrue customers import", () => {
  beforeAll(() => {
    process.env.DATABASE_URL = url; // the command opens its own connection, as `accrue` does
  });

  afterEach(() => {
    vi.restoreAllMocks();
    process.exitCode = undefined;
  });

  async function accrue(...args: string[]): Promise<{ out: string; err: string; exitCode: number | undefined }> {
    process.exitCode = undefined;
    const program = new Command("accrue").exitOverride();
    registerCustomers(program);
    let out = "";
    let err = "";
    vi.spyOn(process.stdout, "write").mockImplementation((chunk: string | Uint8Array) => {
      out += String(chunk);
      return true;
    });
    vi.spyOn(process.stderr, "write").mockImplementation((chunk: string | Uint8Array) => {
      err += String(chunk);
      return true;
    });
    await program.parseAsync(["node", "accrue", ...args]);
    vi.restoreAllMocks();
    const exitCode = typeof process.exitCode === "number" ? process.exitCode : undefined;
    return { out, err, exitCode };
  }

  it("prints one line per row and a summary, and exits 1 when a row failed", async () => {
    const dir = await mkdtemp(path.join(tmpdir(), "accrue-import-"));
    const file = path.join(dir, "customers.csv");
    await writeFile(
      file,
      "external_id,legal_name,currency,billing_country,billing_postal_code\nINITECH,Initech Ltd,GBP,GB,EC1A 1BB\nHOOLI,Hooli,USD,US,ABCDE\n",
    );
    const { out, exitCode } = await accrue("customers", "import", file);
    const lines = out.trim().split("\n");
    expect(lines[0]).toMatch(/^row 2 {2}created {4}INITECH {2}cus_\w+$/);
    expect(lines[1]).toMatch(/^row 3 {2}error {6}HOOLI {2}invalid_postal_code \[billing_postal_code\]: /);
    expect(lines[2]).toBe("2 rows: 1 created, 0 updated, 0 unchanged, 1 failed");
    expect(exitCode).toBe(1);
    const [created] = (await customerHistory(deps, "INITECH", { limit: 1 })).data;
    expect(created).toMatchObject({ actor_id: "customers_import", reason: "import of customers.csv" });

    await writeFile(file, "external_id,legal_name,currency\nINITECH,Initech Ltd,GBP\n");
    const second = await accrue("customers", "import", file);
    expect(second.out).toMatch(/row 2 {2}unchanged {2}INITECH/);
    expect(second.exitCode).toBeUndefined();
  });

  it("says why a file cannot be read, and writes nothing", async () => {
    const dir = await mkdtemp(path.join(tmpdir(), "accrue-import-"));
    const file = path.join(dir, "broken.csv");
    await writeFile(file, "external_id,name,currency\nX,Y,USD\n");
    const { err, exitCode } = await accrue("customers", "import", file);
    expect(err).toBe('import_column_unknown: unknown column "name"\n');
    expect(exitCode).toBe(1);
  });
});
