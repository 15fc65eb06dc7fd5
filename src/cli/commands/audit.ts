import type { Command } from "commander";
import { verifyAuditChain } from "../../access/index.js";
import { withRuntime } from "../runtime.js";

export function register(program: Command): void {
  const audit = program.command("audit").description("the hash-chained audit log");
  audit
    .command("verify")
    .description("re-hash the audit chain; exit 0 when intact, 1 with one line per edited, deleted or inserted row")
    .addHelpText(
      "after",
      "\nWrite down the printed head (seq and hash) somewhere outside the database, e.g. in the close file:\na later verify must show the same hash at that seq.\n\nExample:\n  accrue audit verify",
    )
    .action(async () => {
      await withRuntime(async ({ db, clock }) => {
        const report = await verifyAuditChain({ db, clock });
        const head = `head seq ${report.head.seq} hash ${report.head.hash}`;
        if (report.ok) {
          process.stdout.write(`audit chain intact: ${report.checked} rows checked; ${head}\n`);
          return;
        }
        const lines = [
          `audit chain BROKEN: ${report.problems.length}${report.problems_truncated ? "+" : ""} problem(s) in ${report.checked} rows; ${head}`,
          ...report.problems.map((problem) => `  seq ${problem.seq}  ${problem.kind}  ${problem.detail}`),
        ];
        process.stdout.write(`${lines.join("\n")}\n`);
        process.exitCode = 1;
      });
    });
}
