import { SingleBar } from "cli-progress";
import type { Command } from "commander";
import { runBilling } from "../../invoicing/index.js";
import { systemContext } from "../../kernel/actor.js";
import { DomainError } from "../../kernel/errors.js";
import { newId } from "../../kernel/ids.js";
import { parseInstant } from "../../kernel/time.js";
import { withRuntime } from "../runtime.js";

interface RunOptions {
  asOf?: string;
  customer?: string;
  dryRun?: boolean;
}

/** A date alone means the end of that day in UTC; an instant is taken as written. */
function asOfFrom(text: string) {
  return parseInstant(/^\d{4}-\d{2}-\d{2}$/.test(text) ? `${text}T23:59:59Z` : text, "as_of");
}

type Run = Awaited<ReturnType<typeof runBilling>>;

function summary(run: Run): string {
  const totals = Object.entries(run.totals).map(([currency, amount]) => `${amount} ${currency}`);
  const lines = [
    `${run.dry_run ? "dry run (nothing written)" : `billing run ${run.id}`}: ${run.status}, as of ${run.as_of}`,
    `  subscriptions considered  ${run.subscriptions_considered}`,
    `  invoices ${run.dry_run ? "that would be created" : "created"}  ${run.invoices_created}`,
    ...(run.dry_run ? [] : [`    of which finalized      ${run.invoices_finalized}`]),
    `  skipped (billing hold)    ${run.skipped_held}`,
    `  skipped (already billed)  ${run.skipped_already_billed}`,
    `  failed                    ${run.failed}`,
    `  total                     ${totals.length === 0 ? "none" : totals.join(", ")}`,
    `  duration                  ${run.duration_ms ?? 0} ms`,
  ];
  for (const item of run.items ?? []) {
    if (item.outcome === "failed")
      lines.push(`  failed ${item.subscription}: ${item.error?.code}: ${item.error?.message}`);
    if (item.outcome === "skipped_held") lines.push(`  held   ${item.subscription}: ${item.reason}`);
  }
  return `${lines.join("\n")}\n`;
}

export function register(program: Command): void {
  const billing = program.command("billing").description("billing runs: draft invoices for the periods due");
  billing
    .command("run")
    .description("create one draft invoice per subscription period due, and print the run's summary")
    .option("--as-of <date>", "bill what is due by this date (YYYY-MM-DD, end of day UTC) or instant; default now")
    .option("--customer <id>", "bill only this customer")
    .option("--dry-run", "show what would be invoiced and write nothing")
    .addHelpText(
      "after",
      "\nSafe to run again or beside the scheduled run: a period is never invoiced twice. Exits 1 if a subscription failed.\n\nExamples:\n  accrue billing run\n  accrue billing run --as-of 2026-10-31 --dry-run\n  accrue billing run --customer cus_01h455vb4pex5vsknk084sn02q",
    )
    .action(async (options: RunOptions) => {
      const ctx = { ...systemContext("billing_run_cli", newId("request")), reason: "billing run from the CLI" };
      await withRuntime(async ({ db, clock }) => {
        const bar = new SingleBar({ format: "billing [{bar}] {value}/{total} subscriptions", hideCursor: true });
        let started = false;
        try {
          const asOf = options.asOf === undefined ? clock.now() : asOfFrom(options.asOf);
          const run = await runBilling({ db, clock }, ctx, {
            as_of: asOf,
            customer: options.customer,
            dry_run: options.dryRun ?? false,
            on_progress: ({ done, total }) => {
              if (!started) bar.start(total, 0);
              started = true;
              bar.update(done);
            },
          });
          if (started) bar.stop();
          process.stdout.write(summary(run));
          if (run.failed > 0) process.exitCode = 1;
        } catch (error) {
          if (started) bar.stop();
          if (!(error instanceof DomainError)) throw error;
          process.stderr.write(`${error.code}: ${error.message}\n`);
          process.exitCode = 1;
        }
      });
    });
}
