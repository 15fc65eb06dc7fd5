import type { Command } from "commander";
import { createUser, generatePassword } from "../../access/index.js";
import { systemContext } from "../../kernel/actor.js";
import { newId } from "../../kernel/ids.js";
import { withRuntime } from "../runtime.js";

export function register(program: Command): void {
  const users = program.command("users").description("people who sign in to the web app");
  users
    .command("create")
    .description("create a user; prints a generated password once unless --password-stdin is given")
    .requiredOption("--email <email>", "sign-in email (unique, case-insensitive)")
    .requiredOption("--name <name>", "full name, as shown in the audit log")
    .requiredOption(
      "--role <role>",
      "admin, billing_analyst, ar_specialist, support_agent, approver, auditor or developer",
    )
    .option("--password-stdin", "read the password (at least 12 characters) from standard input")
    .addHelpText(
      "after",
      '\nExamples:\n  accrue users create --email ana@example.com --name "Ana Ruiz" --role billing_analyst\n  printf \'%s\' "$PASSWORD" | accrue users create --email bo@example.com --name Bo --role auditor --password-stdin',
    )
    .action(async (options: { email: string; name: string; role: string; passwordStdin?: boolean }) => {
      const given = options.passwordStdin === true ? await readStdin() : undefined;
      const password = given ?? generatePassword();
      await withRuntime(async ({ db, clock }) => {
        const user = await createUser({ db, clock }, systemContext("cli", newId("request")), {
          email: options.email,
          name: options.name,
          role: options.role,
          password,
        });
        process.stdout.write(`created ${user.id} ${user.email} (${user.role})\n`);
        if (given === undefined) {
          process.stdout.write(
            `password: ${password}\n(shown once: hand it over safely; it is stored only as a hash)\n`,
          );
        }
      });
    });
}

/** The whole of standard input, without the trailing newline `echo` adds. */
async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(Buffer.from(chunk as Buffer));
  return Buffer.concat(chunks)
    .toString("utf8")
    .replace(/\r?\n$/, "");
}
