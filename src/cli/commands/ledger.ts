import type { Command } from "commander";
import { DomainError } from "../../kernel/errors.js";
import { type TrialBalance, trialBalance, trialBalanceJson } from "../../ledger/index.js";
import { withRuntime } from "../runtime.js";

type TrialBalanceJson = ReturnType<typeof trialBalanceJson>;

/** Columns padded to their widest cell; amounts right-aligned so the decimal points line up. */
function table(header: string[], rows: string[][], rightAligned: ReadonlySet<number>): string {
  const widths = header.map((title, column) =>
    Math.max(title.length, ...rows.map((row) => (row[column] ?? "").length)),
  );
  const line = (cells: string[]) =>
    cells
      .map((cell, column) =>
        rightAligned.has(column) ? cell.padStart(widths[column] ?? 0) : cell.padEnd(widths[column] ?? 0),
      )
      .join("  ")
      .trimEnd();
  return [line(header), line(widths.map((width) => "-".repeat(width))), ...rows.map(line)].join("\n");
}

function printTrialBalance(trial: TrialBalanceJson): string {
  const title = `Trial balance ${trial.as_of === null ? "(every posting)" : `as of ${trial.as_of}`}`;
  const accounts = table(
    ["code", "name", "type", "currency", "debit", "credit", "balance"],
    trial.accounts.map((row) => [row.code, row.name, row.type, row.currency, row.debit, row.credit, row.balance]),
    new Set([4, 5, 6]),
  );
  const totals = table(
    ["currency", "debit", "credit"],
    trial.totals.map((total) => [total.currency, total.debit, total.credit]),
    new Set([1, 2]),
  );
  return `${title}\n\n${accounts}\n\nTotals (debits equal credits in each currency)\n${totals}\n`;
}

export function register(program: Command): void {
  const ledger = program.command("ledger").description("the double-entry ledger");
  ledger
    .command("trial-balance")
    .description("every account's debit and credit totals and balance, with totals per currency")
    .option("--as-of <date>", "only entries dated on or before this date (YYYY-MM-DD); default: every posting")
    .option("--currency <code>", "only accounts in this currency, e.g. USD")
    .option("--json", "print the same JSON as GET /v1/ledger/trial_balance")
    .addHelpText(
      "after",
      "\nBalances are on each account's normal side: positive is a debit for assets and expenses,\na credit for liabilities, equity and revenue.\n\nExamples:\n  accrue ledger trial-balance\n  accrue ledger trial-balance --as-of 2026-10-31 --currency USD\n  accrue ledger trial-balance --json > trial-balance.json",
    )
    .action(async (options: { asOf?: string; currency?: string; json?: boolean }) => {
      await withRuntime(async ({ db, clock }) => {
        let trial: TrialBalance;
        try {
          trial = await trialBalance({ db, clock }, { as_of: options.asOf, currency: options.currency });
        } catch (error) {
          if (!(error instanceof DomainError)) throw error;
          process.stderr.write(`${error.code}: ${error.message}\n`);
          process.exitCode = 1;
          return;
        }
        const json = trialBalanceJson(trial);
        process.stdout.write(options.json === true ? `${JSON.stringify(json, null, 2)}\n` : printTrialBalance(json));
      });
    });
}
