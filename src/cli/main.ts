import { Command } from "commander";
import { register as registerAudit } from "./commands/audit.js";
import { register as registerBilling } from "./commands/billing.js";
import { register as registerCustomers } from "./commands/customers.js";
import { register as registerDemo } from "./commands/demo.js";
import { register as registerEvents } from "./commands/events.js";
import { register as registerInvoices } from "./commands/invoices.js";
import { register as registerJobs } from "./commands/jobs.js";
import { register as registerKeys } from "./commands/keys.js";
import { register as registerLedger } from "./commands/ledger.js";
import { register as registerMigrate } from "./commands/migrate.js";
import { register as registerScripts } from "./commands/scripts.js";
import { register as registerServe } from "./commands/serve.js";
import { register as registerUsage } from "./commands/usage.js";
import { register as registerUsers } from "./commands/users.js";

/** `accrue`: every command a billing team or an operator runs from a terminal. */
export function buildProgram(): Command {
  const program = new Command("accrue")
    .description("Accrue billing operations: server, migrations, ledger, audit, jobs")
    .showHelpAfterError()
    .addHelpText(
      "after",
      [
        "",
        "Examples:",
        "  accrue serve                              run the API and the web app on http://localhost:4000",
        "  accrue migrate                            apply database migrations",
        '  accrue users create --email ana@example.com --name "Ana Ruiz" --role ar_specialist',
        "  accrue keys create --role developer       print a new API key's secret (only the secret)",
        "  accrue ledger trial-balance --as-of 2026-10-31",
        "  accrue audit verify                       check the audit log's hash chain",
        "  accrue jobs list --state failed           see what failed or died",
        "  accrue customers import customers.csv     create or update billing accounts",
        "  accrue invoices list --status open        open invoices as a table",
        "  accrue demo seed                          fill an empty database with the demo company",
        "  accrue scripts test 3PL                   run a charge script's test cases",
        "  accrue demo wms --customers 5 --days 30 --out wms.ndjson --customers-csv wms-customers.csv",
        "  accrue events import wms.ndjson.gz        import a usage log (resumable; rejects to wms.rejects.ndjson)",
        "  accrue usage rate --customer wms-acme --period 2026-10   re-rate a period and rebuild its draft",
      ].join("\n") +
        "\n\nEnvironment: DATABASE_URL (else the embedded PostgreSQL in ACCRUE_DATA_DIR, default ./data), PORT, ACCRUE_BOOTSTRAP_API_KEY.\nRun `accrue COMMAND --help` for a command's options and examples.",
    );
  registerServe(program);
  registerMigrate(program);
  registerUsers(program);
  registerKeys(program);
  registerAudit(program);
  registerLedger(program);
  registerJobs(program);
  registerCustomers(program);
  registerBilling(program);
  registerInvoices(program);
  registerDemo(program);
  registerScripts(program);
  registerEvents(program);
  registerUsage(program);
  return program;
}

export async function main(argv: string[]): Promise<void> {
  await buildProgram().parseAsync(argv);
}
