import { execFile } from "node:child_process";
import { mkdtemp, readFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { extractText } from "unpdf";
import { describe, expect, it } from "vitest";
import { freshDatabase } from "../../../test/support/database.js";
import { createCustomer } from "../../customers/index.js";
import { createDraft } from "../../invoicing/index.js";
import { systemContext } from "../../kernel/actor.js";
import { TestClock } from "../../kernel/clock.js";
import { newId } from "../../kernel/ids.js";

/** `accrue invoices …` as an operator runs it: through bin/accrue.js against DATABASE_URL. */
const run = promisify(execFile);
const BIN = path.resolve(import.meta.dirname, "../../../bin/accrue.js");
const { db, url } = await freshDatabase();
const deps = { db, clock: new TestClock("2026-04-01T12:00:00Z") };
const ctx = systemContext("test", "req_cli_invoices");

async function accrue(...args: string[]) {
  try {
    const { stdout, stderr } = await run(process.execPath, [BIN, ...args], {
      env: { ...process.env, DATABASE_URL: url },
      timeout: 60_000,
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code: number; stdout: string; stderr: string };
    return { code: failed.code, stdout: failed.stdout, stderr: failed.stderr };
  }
}

const customer = await createCustomer(deps, ctx, {
  legal_name: "Litware Ltd",
  currency: "GBP",
  locale: "en-GB",
  billing_address: { line1: "1 Poultry", city: "London", postal_code: "EC2R 8EJ", country: "GB" },
});
/** 3 × 40.00 = 120.00 at 20 % VAT = 24.00; total 144.00. */
const draft = await createDraft(deps, ctx, {
  customer_id: customer.id,
  lines: [{ description: "Support hours", quantity: "3", unit_amount: "40", tax_rate: "20", tax_name: "VAT" }],
});

describe("accrue invoices", () => {
  it("lists, shows, finalizes, prints and voids an invoice", async () => {
    const drafts = await accrue("invoices", "list", "--customer", customer.id, "--status", "draft");
    expect(drafts.stdout).toMatch(/NUMBER\s+ID\s+CUSTOMER\s+STATUS/);
    expect(drafts.stdout).toMatch(new RegExp(`\\(draft\\)\\s+${draft.id}\\s+${customer.id}\\s+draft.*144\\.00`));

    const finalized = await accrue("invoices", "finalize", draft.id);
    expect(finalized).toMatchObject({ code: 0 });
    expect(finalized.stdout).toMatch(/^finalized INV-\d{4}-000001 .*144\.00 GBP/);

    const shown = await accrue("invoices", "show", draft.id);
    expect(shown.stdout).toMatch(/Support hours\s+3\s+40\s+120\.00\s+24\.00/);
    expect(shown.stdout).toMatch(/Total\s+144\.00 GBP/);
    expect(shown.stdout).toMatch(/Amount due\s+144\.00 GBP/);
    expect(shown.stdout).toContain("status      open");

    const out = path.join(await mkdtemp(path.join(tmpdir(), "accrue-cli-")), "invoice.pdf");
    expect((await accrue("invoices", "pdf", draft.id, "--out", out)).stdout).toContain(`wrote ${out}`);
    const { text } = await extractText(new Uint8Array(await readFile(out)), { mergePages: true });
    expect(text).toMatch(/INV-\d{4}-000001/);
    expect(text).toContain("144.00");

    expect((await accrue("invoices", "void", draft.id)).stdout).toMatch(/^voided INV-\d{4}-000001/);
    const again = await accrue("invoices", "void", draft.id);
    expect(again.code).toBe(1);
    expect(again.stderr).toContain("invoice_transition_invalid: a void invoice cannot void");
  }, 120_000);

  it("fails with a clear message and exit code 1 on bad input", async () => {
    const missing = await accrue("invoices", "show", newId("invoice"));
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/^invoice_not_found: no invoice inv_/);
    const wrongId = await accrue("invoices", "finalize", "cus_123");
    expect(wrongId).toMatchObject({ code: 1 });
    expect(wrongId.stderr).toContain("invalid_id");
    const status = await accrue("invoices", "list", "--status", "overdue");
    expect(status.code).toBe(1);
    expect(status.stderr).toContain("Allowed choices are draft, open, paid, void, uncollectible");
    const help = await accrue("invoices", "list", "--help");
    expect(help.stdout).toContain("accrue invoices list --status open --limit 50");
  }, 120_000);
});
