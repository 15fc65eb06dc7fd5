import { createWriteStream } from "node:fs";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import type { Command } from "commander";
import { systemContext } from "../../kernel/actor.js";
import type { Deps } from "../../kernel/deps.js";
import { DomainError } from "../../kernel/errors.js";
import { newId } from "../../kernel/ids.js";
import {
  type BacktestJson,
  backtestCsv,
  backtestScriptVersion,
  getBacktest,
  getScript,
  listScripts,
} from "../../usage/index.js";
import { withRuntime } from "../runtime.js";

/** `accrue scripts backtest`: a version over a past period, a summary table, optionally every row as CSV. */

interface BacktestOptions {
  version: number;
  from: string;
  to: string;
  customer?: string;
  csv?: string;
}

/** A date alone is the start of that day in UTC: `--from 2026-10-01 --to 2026-11-01` is October. */
function instantText(text: string): string {
  return /^\d{4}-\d{2}-\d{2}$/.test(text) ? `${text}T00:00:00Z` : text;
}

async function scriptIdOf(deps: Deps, script: string): Promise<string> {
  if (script.startsWith("scr_")) return script;
  const all = await listScripts(deps, { limit: 100 });
  const found = all.data.find((candidate) => candidate.name === script);
  if (found === undefined)
    throw new DomainError("script_not_found", `no charge script named ${JSON.stringify(script)}`);
  return found.id;
}

const pad = (cells: string[], widths: number[]) =>
  cells.map((cell, i) => (i >= 3 ? cell.padStart(widths[i] ?? 0) : cell.padEnd(widths[i] ?? 0))).join("  ");

/** The totals per currency, then every row that changed (from the first thousand). */
export function formatBacktest(result: BacktestJson): string {
  const summary = result.summary;
  const lines = [
    `backtest ${result.id}: version ${result.version_number} over ${result.period_start} – ${result.period_end}`,
    `${summary.customers} customers, ${summary.events} events; unrated: ${summary.unrated_before} before, ${summary.unrated_after} after`,
  ];
  for (const total of summary.totals) {
    lines.push(`${total.currency}: ${total.amount_before} → ${total.amount_after} (${total.amount_difference})`);
  }
  const changed = result.rows.data.filter(
    (row) => row.difference.quantity !== "0" || !/^-?0(\.0*)?$/.test(row.difference.amount),
  );
  const table = [
    ["customer", "code", "dimensions", "qty before", "qty after", "amount before", "amount after", "difference"],
  ];
  for (const row of changed) {
    const dimensions = Object.entries(row.dimensions)
      .map(([key, value]) => `${key}=${value}`)
      .join(";");
    table.push([
      row.customer_external_id ?? row.customer,
      row.code,
      dimensions,
      row.before.quantity,
      row.after.quantity,
      row.before.amount,
      row.after.amount,
      row.difference.amount,
    ]);
  }
  const widths = (table[0] as string[]).map((_, i) => Math.max(...table.map((cells) => (cells[i] ?? "").length)));
  lines.push(`${summary.rows_changed} of ${summary.rows} rows changed`);
  if (changed.length > 0) lines.push(...table.map((cells) => pad(cells, widths)));
  for (const error of result.errors.slice(0, 10)) {
    const side = error.after ?? error.before;
    lines.push(
      `unrated ${error.after ? "after" : "before"}: ${error.customer} ${error.transaction_id ?? "finalize"} ${side?.code ?? ""} line ${side?.line ?? "?"}: ${side?.message ?? ""}`,
    );
  }
  return `${lines.join("\n")}\n`;
}

async function backtestRun(deps: Deps, script: string, options: BacktestOptions): Promise<BacktestJson> {
  const id = await scriptIdOf(deps, script);
  const version = (await getScript(deps, id)).versions.find((candidate) => candidate.number === options.version);
  if (version === undefined)
    throw new DomainError("script_version_not_found", `${script} has no version ${options.version}`);
  const ctx = { ...systemContext("scripts_backtest_cli", newId("request")), reason: "backtest from the CLI" };
  const run = await backtestScriptVersion(deps, ctx, {
    script: id,
    version: version.id,
    period_start: instantText(options.from),
    period_end: instantText(options.to),
    customer: options.customer,
  });
  if (options.csv !== undefined) {
    const { lines } = await backtestCsv(deps, run.id);
    await pipeline(Readable.from(lines), createWriteStream(options.csv));
  }
  return getBacktest(deps, run.id, { limit: 1000 });
}

export function registerBacktest(scripts: Command): void {
  scripts
    .command("backtest")
    .argument("<script>", "a stored script's id or name")
    .requiredOption("--version <number>", "the version number to backtest (a draft or any other)", (text) =>
      Number(text),
    )
    .requiredOption("--from <date>", "the period's start, a date (UTC) or an ISO 8601 instant")
    .requiredOption("--to <date>", "the period's end, exclusive")
    .option("--customer <id>", "one customer (our id or their external id); all the script rates when absent")
    .option("--csv <path>", "write every row to this CSV file")
    .description("Rate a past period's events with a version and with the versions in force, and show the difference")
    .addHelpText(
      "after",
      "\nExample:\n  accrue scripts backtest 3PL --version 4 --from 2026-10-01 --to 2026-11-01 --csv october.csv\n",
    )
    .action(async (script: string, options: BacktestOptions) => {
      try {
        const result = await withRuntime(({ db, clock }) => backtestRun({ db, clock }, script, options));
        process.stdout.write(formatBacktest(result));
        if (options.csv !== undefined) process.stdout.write(`every row written to ${options.csv}\n`);
      } catch (error) {
        if (!(error instanceof DomainError)) throw error;
        process.stderr.write(`${error.code}: ${error.message}${error.param ? ` (${error.param})` : ""}\n`);
        process.exitCode = 1;
      }
    });
}
