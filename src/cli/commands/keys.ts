import type { Command } from "commander";
import { createApiKey, listApiKeys, revokeApiKey } from "../../access/index.js";
import { systemContext } from "../../kernel/actor.js";
import { newId } from "../../kernel/ids.js";
import { withRuntime } from "../runtime.js";

export function register(program: Command): void {
  const keys = program.command("keys").description("API keys for programs: Authorization: Bearer sk_…");
  keys
    .command("create")
    .description("create an API key and print only its secret (shown once), so a script can capture it")
    .requiredOption(
      "--role <role>",
      "admin, billing_analyst, ar_specialist, support_agent, approver, auditor or developer",
    )
    .option("--name <name>", 'what the key is for, e.g. "warehouse sync"')
    .addHelpText(
      "after",
      '\nExamples:\n  accrue keys create --role developer --name "warehouse sync"\n  export ACCRUE_API_KEY=$(accrue keys create --role billing_analyst)',
    )
    .action(async (options: { role: string; name?: string }) => {
      await withRuntime(async ({ db, clock }) => {
        const key = await createApiKey({ db, clock }, systemContext("cli", newId("request")), {
          role: options.role,
          name: options.name,
        });
        process.stdout.write(`${key.secret}\n`);
      });
    });

  keys
    .command("list")
    .description("list API keys, newest first (never their secrets)")
    .option("--all", "include revoked keys")
    .action(async (options: { all?: boolean }) => {
      await withRuntime(async ({ db, clock }) => {
        const rows: string[][] = [["ID", "NAME", "ROLE", "KEY", "CREATED", "LAST USED", "REVOKED"]];
        let starting_after: string | undefined;
        for (;;) {
          const page = await listApiKeys(
            { db, clock },
            { limit: 100, starting_after, include_revoked: options.all === true },
          );
          for (const key of page.data) {
            rows.push([
              key.id,
              key.name,
              key.role,
              key.hint,
              key.created_at,
              key.last_used_at ?? "-",
              key.revoked_at ?? "-",
            ]);
          }
          starting_after = page.data.at(-1)?.id;
          if (!page.has_more || starting_after === undefined) break;
        }
        process.stdout.write(formatTable(rows));
      });
    });

  keys
    .command("revoke")
    .description("revoke an API key: it stops working on its next request")
    .argument("<id>", "the key's id, key_…")
    .action(async (id: string) => {
      await withRuntime(async ({ db, clock }) => {
        const key = await revokeApiKey({ db, clock }, systemContext("cli", newId("request")), id);
        process.stdout.write(`revoked ${key.id} (${key.name}, ${key.hint})\n`);
      });
    });
}

function formatTable(rows: string[][]): string {
  const widths = rows[0]?.map((_, column) => Math.max(...rows.map((row) => (row[column] ?? "").length))) ?? [];
  return rows
    .map(
      (row) =>
        `${row
          .map((cell, column) => cell.padEnd(widths[column] ?? 0))
          .join("  ")
          .trimEnd()}\n`,
    )
    .join("");
}
