import type { Command } from "commander";
import { prepareDatabase } from "../../jobs/index.js";
import { withRuntime } from "../runtime.js";

export function register(program: Command): void {
  program
    .command("migrate")
    .description("apply pending database migrations (also done by serve at start)")
    .addHelpText(
      "after",
      "\nExamples:\n  accrue migrate\n  DATABASE_URL=postgres://postgres@127.0.0.1:5432/accrue accrue migrate",
    )
    .action(async () => {
      await withRuntime(async ({ db, connectionString }) => {
        const result = await prepareDatabase(db, connectionString);
        process.stdout.write(
          `${result.applied.length} migration(s) applied, ${result.alreadyApplied} already in place\n`,
        );
        for (const name of result.applied) process.stdout.write(`  applied ${name}\n`);
      });
    });
}
