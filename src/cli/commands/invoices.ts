import { writeFile } from "node:fs/promises";
import { type Command, InvalidArgumentError, Option } from "commander";
import {
  finalizeWithReview,
  getInvoice,
  INVOICE_STATUSES,
  type InvoiceStatus,
  invoicePdf,
  listInvoices,
  voidInvoice,
} from "../../invoicing/index.js";
import { type RequestContext, systemContext } from "../../kernel/actor.js";
import type { Deps } from "../../kernel/deps.js";
import { DomainError } from "../../kernel/errors.js";
import { newId } from "../../kernel/ids.js";
import { withRuntime } from "../runtime.js";

type Invoice = Awaited<ReturnType<typeof getInvoice>>;

/** Columns padded to their widest cell; figures right-aligned so the decimals line up. */
function table(header: readonly string[], rows: readonly (readonly string[])[], right: ReadonlySet<number>): string {
  const widths = header.map((title, column) => Math.max(title.length, ...rows.map((row) => row[column]?.length ?? 0)));
  const line = (cells: readonly string[]) =>
    cells
      .map((cell, column) =>
        right.has(column) ? cell.padStart(widths[column] ?? 0) : cell.padEnd(widths[column] ?? 0),
      )
      .join("  ")
      .trimEnd();
  return `${[line(header), ...rows.map(line)].join("\n")}\n`;
}

function listTable(invoices: readonly Invoice[]): string {
  return table(
    ["NUMBER", "ID", "CUSTOMER", "STATUS", "ISSUED", "DUE", "CURRENCY", "TOTAL", "AMOUNT DUE"],
    invoices.map((invoice) => [
      invoice.number ?? "(draft)",
      invoice.id,
      invoice.customer_id,
      invoice.status,
      invoice.issue_date ?? "",
      invoice.due_date ?? "",
      invoice.currency,
      invoice.total,
      invoice.amount_due,
    ]),
    new Set([7, 8]),
  );
}

function showInvoice(invoice: Invoice): string {
  const facts = [
    `Invoice ${invoice.number ?? "(draft)"}  ${invoice.id}`,
    `  status      ${invoice.status}`,
    `  customer    ${invoice.customer_id}`,
    `  issued      ${invoice.issue_date ?? "-"}    due ${invoice.due_date ?? "-"}`,
    ...(invoice.po_number === null ? [] : [`  PO number   ${invoice.po_number}`]),
    ...(invoice.memo === null ? [] : [`  memo        ${invoice.memo}`]),
    "",
  ].join("\n");
  const lines = table(
    ["DESCRIPTION", "QTY", "UNIT PRICE", "AMOUNT", "TAX"],
    invoice.lines.map((line) => [line.description, line.quantity, line.unit_amount, line.amount, line.tax_amount]),
    new Set([1, 2, 3, 4]),
  );
  const totals = [
    ["Subtotal", invoice.subtotal],
    ["Discount", invoice.discount],
    ["Tax", invoice.tax],
    ["Total", invoice.total],
    ["Credited", invoice.credited_total],
    ["Amount due", invoice.amount_due],
  ];
  const width = Math.max(...totals.map(([, amount]) => amount?.length ?? 0));
  const totalLines = totals.map(
    ([label, amount]) => `  ${(label ?? "").padEnd(12)}${(amount ?? "").padStart(width)} ${invoice.currency}`,
  );
  return `${facts}\n${lines}\n${totalLines.join("\n")}\n`;
}

/** Runs a command's work, turning an expected failure into a message on stderr and exit code 1. */
async function run(work: (deps: Deps, ctx: RequestContext) => Promise<void>): Promise<void> {
  const ctx = { ...systemContext("invoices_cli", newId("request")), reason: "from the accrue command line" };
  await withRuntime(async ({ db, clock }) => {
    try {
      await work({ db, clock }, ctx);
    } catch (error) {
      if (!(error instanceof DomainError)) throw error;
      process.stderr.write(`${error.code}: ${error.message}\n`);
      process.exitCode = 1;
    }
  });
}

function limitOption(text: string): number {
  const limit = Number(text);
  if (!Number.isInteger(limit) || limit < 1 || limit > 100) {
    throw new InvalidArgumentError("a whole number from 1 to 100");
  }
  return limit;
}

function registerReads(invoices: Command): void {
  invoices
    .command("list")
    .description("list invoices, newest first, as a table")
    .option("--customer <id>", "only this customer's invoices")
    .addOption(new Option("--status <status>", "only invoices in this state").choices(INVOICE_STATUSES))
    .option("--limit <n>", "how many (1 to 100)", limitOption, 20)
    .addHelpText(
      "after",
      "\nExamples:\n  accrue invoices list\n  accrue invoices list --status open --limit 50\n  accrue invoices list --customer cus_01h455vb4pex5vsknk084sn02q",
    )
    .action(async (options: { customer?: string; status?: InvoiceStatus; limit: number }) => {
      await run(async (deps) => {
        const page = await listInvoices(
          deps,
          { customer_id: options.customer, status: options.status },
          { limit: options.limit },
        );
        process.stdout.write(page.data.length === 0 ? "no invoices\n" : listTable(page.data));
        if (page.has_more) process.stdout.write(`(more: raise --limit to see them)\n`);
      });
    });
  invoices
    .command("show")
    .description("an invoice's lines and totals")
    .argument("<id>", "the invoice id (inv_…)")
    .addHelpText("after", "\nExample:\n  accrue invoices show inv_01h455vb4pex5vsknk084sn02q")
    .action(async (id: string) => {
      await run(async (deps) => {
        process.stdout.write(showInvoice(await getInvoice(deps, id)));
      });
    });
  invoices
    .command("pdf")
    .description("write the invoice PDF to a file (a draft prints as a preview numbered DRAFT)")
    .argument("<id>", "the invoice id (inv_…)")
    .option("--out <file>", "where to write it; default NUMBER.pdf in the current directory")
    .addHelpText(
      "after",
      "\nExamples:\n  accrue invoices pdf inv_01h455vb4pex5vsknk084sn02q\n  accrue invoices pdf inv_01h455vb4pex5vsknk084sn02q --out /tmp/invoice.pdf",
    )
    .action(async (id: string, options: { out?: string }) => {
      await run(async (deps) => {
        const { number, pdf } = await invoicePdf(deps, id);
        const file = options.out ?? `${number}.pdf`;
        await writeFile(file, pdf);
        process.stdout.write(`wrote ${file} (${pdf.length} bytes)\n`);
      });
    });
}

function registerChanges(invoices: Command): void {
  invoices
    .command("finalize")
    .description("finalize a draft: number it, set its due date and post it to the ledger")
    .argument("<id>", "the draft invoice id (inv_…)")
    .addHelpText(
      "after",
      "\nThe draft review applies as in the web app: a blocking finding refuses (exit 1), and above the approval\nthreshold the invoice is sent for approval instead. A finalized invoice can no longer be edited.\n\nExample:\n  accrue invoices finalize inv_01h455vb4pex5vsknk084sn02q",
    )
    .action(async (id: string) => {
      await run(async (deps, ctx) => {
        // The same gate as the API: blocking review findings refuse, above the threshold a second person approves.
        const outcome = await finalizeWithReview(deps, ctx, id);
        if ("approval" in outcome) {
          process.stdout.write(`sent for approval ${outcome.approval.id}: ${outcome.approval.summary}\n`);
          return;
        }
        const { invoice } = outcome;
        process.stdout.write(
          `finalized ${invoice.number} (${invoice.id}): ${invoice.total} ${invoice.currency}, due ${invoice.due_date}\n`,
        );
      });
    });
  invoices
    .command("void")
    .description("void an open invoice: the ledger entry is reversed, the number is kept")
    .argument("<id>", "the invoice id (inv_…)")
    .addHelpText(
      "after",
      "\nTo take back part of an invoice, issue a credit note instead. Exits 1 if the invoice cannot be voided.\n\nExample:\n  accrue invoices void inv_01h455vb4pex5vsknk084sn02q",
    )
    .action(async (id: string) => {
      await run(async (deps, ctx) => {
        const invoice = await voidInvoice(deps, ctx, id);
        process.stdout.write(`voided ${invoice.number} (${invoice.id})\n`);
      });
    });
}

export function register(program: Command): void {
  const invoices = program.command("invoices").description("invoices: list, show, finalize, void, download the PDF");
  registerReads(invoices);
  registerChanges(invoices);
}
