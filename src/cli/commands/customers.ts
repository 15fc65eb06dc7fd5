import { readFile } from "node:fs/promises";
import path from "node:path";
import type { Command } from "commander";
import { type ImportRowResult, importCustomers } from "../../customers/index.js";
import { systemContext } from "../../kernel/actor.js";
import { DomainError } from "../../kernel/errors.js";
import { newId } from "../../kernel/ids.js";
import { withRuntime } from "../runtime.js";

function describeRow(result: ImportRowResult): string {
  const who = result.external_id ?? "(no external_id)";
  if (result.outcome === "error") {
    const column = result.column === undefined ? "" : ` [${result.column}]`;
    return `row ${result.row}  error      ${who}  ${result.code}${column}: ${result.message}`;
  }
  return `row ${result.row}  ${result.outcome.padEnd(9)}  ${who}  ${result.customer_id}`;
}

export function register(program: Command): void {
  const customers = program.command("customers").description("billing accounts");
  customers
    .command("import")
    .description("create or update customers from a CSV file, matched on external_id; prints one line per row")
    .argument("<file>", "a CSV file whose first line names the columns (docs/guide/customers.md lists them)")
    .addHelpText(
      "after",
      "\nEach row is saved on its own: a bad row is reported and the rest go ahead. Re-importing a file updates\nwhat changed and leaves the rest; an empty cell leaves a field as it is. Exits 1 if any row failed.\n\nExample:\n  accrue customers import customers.csv",
    )
    .action(async (file: string) => {
      let text: string;
      try {
        text = await readFile(file, "utf8");
      } catch (error) {
        process.stderr.write(`cannot read ${file}: ${(error as Error).message}\n`);
        process.exitCode = 1;
        return;
      }
      const ctx = {
        ...systemContext("customers_import", newId("request")),
        reason: `import of ${path.basename(file)}`,
      };
      await withRuntime(async ({ db, clock }) => {
        try {
          const result = await importCustomers({ db, clock }, ctx, text, (row) => {
            process.stdout.write(`${describeRow(row)}\n`);
          });
          const total = result.rows.length;
          process.stdout.write(
            `${total} rows: ${result.created} created, ${result.updated} updated, ${result.unchanged} unchanged, ${result.failed} failed\n`,
          );
          if (result.failed > 0) process.exitCode = 1;
        } catch (error) {
          // A file that cannot be read as a whole (bad header, broken quoting) writes nothing.
          if (!(error instanceof DomainError)) throw error;
          process.stderr.write(`${error.code}: ${error.message}\n`);
          process.exitCode = 1;
        }
      });
    });
}
