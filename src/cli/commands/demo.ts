import { SingleBar } from "cli-progress";
import type { Command } from "commander";
import { seedDemo, writeWmsLog } from "../../demo/index.js";
import { prepareDatabase } from "../../jobs/index.js";
import { DomainError } from "../../kernel/errors.js";
import { parseDate } from "../../kernel/time.js";
import { withRuntime } from "../runtime.js";

interface SeedOptions {
  customers?: string;
  seed?: string;
}

function positiveInteger(text: string | undefined, fallback: number, name: string, max = 5_000): number {
  if (text === undefined) return fallback;
  const value = Number(text);
  if (!Number.isInteger(value) || value < 1 || value > max) {
    throw new DomainError("parameter_invalid", `--${name} is a whole number from 1 to ${max}`, { param: name });
  }
  return value;
}

interface WmsCommandOptions {
  customers?: string;
  days?: string;
  eventsPerDay?: string;
  seed?: string;
  start?: string;
  out?: string;
  customersCsv?: string;
}

/** `accrue demo wms`: a warehouse's activity log for the 3PL billing case, written as NDJSON. */
async function runWms(options: WmsCommandOptions): Promise<void> {
  const start = parseDate(options.start ?? "2026-10-01", "start").toString();
  const settings = {
    customers: positiveInteger(options.customers, 50, "customers"),
    days: positiveInteger(options.days, 30, "days", 3_660),
    events_per_day: positiveInteger(options.eventsPerDay, 120, "events-per-day", 1_000_000),
    seed: positiveInteger(options.seed, 1, "seed", 2_147_483_647),
    start,
  };
  const toFile = options.out !== undefined && options.out !== "-";
  // A bar only where a person watches and the log is not going to the same terminal.
  const bar =
    toFile && process.stderr.isTTY
      ? new SingleBar({
          format: "wms [{bar}] day {value}/{total} | {events} events",
          hideCursor: true,
          stream: process.stderr,
        })
      : undefined;
  bar?.start(settings.days, 0, { events: 0 });
  try {
    const summary = await writeWmsLog({
      ...settings,
      out: toFile ? (options.out as string) : process.stdout,
      customers_csv: options.customersCsv,
      on_progress: ({ day, events }) => bar?.update(day, { events }),
    });
    bar?.stop();
    const types = Object.entries(summary.by_type)
      .map(([type, count]) => `${type} ${count}`)
      .join(", ");
    process.stderr.write(
      `${summary.events} events for ${summary.customers} customers over ${summary.days} days from ${start}${toFile ? ` to ${options.out}` : ""} (${types})\n`,
    );
    if (options.customersCsv !== undefined) {
      process.stderr.write(
        `customers written to ${options.customersCsv}: run \`accrue customers import ${options.customersCsv}\` first\n`,
      );
    }
  } catch (error) {
    bar?.stop();
    // A reader that stops early (`| head`) closes the pipe: that is the reader's choice, not a failure.
    if ((error as { code?: string }).code === "EPIPE") return;
    throw error;
  }
}

export function register(program: Command): void {
  const demo = program.command("demo").description("the demo company: a year of billing to look around in");
  demo
    .command("seed")
    .description("fill an empty database with the demo company (customers, plans, a year of invoices)")
    .option("--customers <n>", "how many customers (default 200)")
    .option("--seed <n>", "another number tells another story (default: the usual one)")
    .addHelpText(
      "after",
      "\n`npm start` runs this by itself the first time it starts the embedded database (set ACCRUE_DEMO=0 to skip it);\non a DATABASE_URL database it runs only when asked: this command, or ACCRUE_DEMO=1 with `accrue serve`.\nIt refuses a database that already has customers.\n\nExamples:\n  accrue demo seed\n  accrue demo seed --customers 40",
    )
    .action(async (options: SeedOptions) => {
      await withRuntime(async ({ db, clock, connectionString }) => {
        const bar = new SingleBar({ format: "demo [{bar}] week {value}/{total}", hideCursor: true });
        let started = false;
        try {
          const customers = positiveInteger(options.customers, 200, "customers");
          const seed = options.seed === undefined ? undefined : positiveInteger(options.seed, 1, "seed");
          await prepareDatabase(db, connectionString);
          const summary = await seedDemo(
            { db, clock },
            {
              customers,
              seed,
              on_progress: ({ done, total }) => {
                if (!started) bar.start(total, 0);
                started = true;
                bar.update(done);
              },
            },
          );
          if (started) bar.stop();
          process.stdout.write(
            `demo company built from ${summary.from.slice(0, 10)} to ${summary.to.slice(0, 10)}: ${summary.customers} customers, ${summary.subscriptions} subscriptions, ${summary.invoices_finalized} invoices finalized, ${summary.drafts_open} drafts waiting for review\n`,
          );
        } catch (error) {
          if (started) bar.stop();
          if (!(error instanceof DomainError)) throw error;
          process.stderr.write(`${error.code}: ${error.message}\n`);
          process.exitCode = 1;
        }
      });
    });

  demo
    .command("wms")
    .description(
      "write a warehouse's activity log (NDJSON) for the 3PL billing case: orders, storage, receiving, returns",
    )
    .option("--customers <n>", "how many warehouse clients (default 50)")
    .option("--days <n>", "how many days of activity (default 30)")
    .option("--events-per-day <n>", "events per client per day on average, all types (default 120)")
    .option("--seed <n>", "the same seed writes the same file (default 1)")
    .option("--start <date>", "the first day, YYYY-MM-DD (default 2026-10-01)")
    .option("--out <file>", "write to FILE (.ndjson, or .ndjson.gz to compress); default standard output")
    .option("--customers-csv <file>", "also write the clients as a CSV for `accrue customers import`")
    .addHelpText(
      "after",
      "\nEvents are in time order, one JSON object a line, customers named by external id (wms-cust-001).\n\nExamples:\n  accrue demo wms --customers 5 --days 30 --out wms.ndjson --customers-csv wms-customers.csv\n  accrue customers import wms-customers.csv\n  accrue demo wms --customers 50 --days 30 --events-per-day 2000 --out wms.ndjson.gz",
    )
    .action(async (options: WmsCommandOptions) => {
      try {
        await runWms(options);
      } catch (error) {
        if (!(error instanceof DomainError)) throw error;
        process.stderr.write(`${error.code}: ${error.message}\n`);
        process.exitCode = 1;
      }
    });
}
