import { SingleBar } from "cli-progress";
import type { Command } from "commander";
import { seedDemo } from "../../demo/index.js";
import { prepareDatabase } from "../../jobs/index.js";
import { DomainError } from "../../kernel/errors.js";
import { withRuntime } from "../runtime.js";

interface SeedOptions {
  customers?: string;
  seed?: string;
}

function positiveInteger(text: string | undefined, fallback: number, name: string): number {
  if (text === undefined) return fallback;
  const value = Number(text);
  if (!Number.isInteger(value) || value < 1 || value > 5_000) {
    throw new DomainError("parameter_invalid", `--${name} is a whole number from 1 to 5000`, { param: name });
  }
  return value;
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
}
