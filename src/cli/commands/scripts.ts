import { readFile } from "node:fs/promises";
import type { Command } from "commander";
import type { Deps } from "../../kernel/deps.js";
import { DomainError } from "../../kernel/errors.js";
import { getScript, listScripts, runTestCases, testCasesInput, testVersion } from "../../usage/index.js";
import { withRuntime } from "../runtime.js";
import { registerBacktest } from "./scripts-backtest.js";

type Summary = Awaited<ReturnType<typeof runTestCases>>;

/** One line per case, the differences under a failing one, then the count. */
export function formatTestRun(summary: Summary): string {
  const lines: string[] = [];
  for (const result of summary.results) {
    lines.push(`${result.passed ? "PASS" : "FAIL"}  ${result.name}`);
    for (const difference of result.differences) lines.push(`      ${difference}`);
  }
  if (summary.results.length === 0) lines.push("no test cases");
  lines.push(`${summary.passed} passed, ${summary.failed} failed`);
  return `${lines.join("\n")}\n`;
}

async function readCases(path: string) {
  const parsed = testCasesInput.safeParse(JSON.parse(await readFile(path, "utf8")));
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new DomainError(
      "invalid_script_test_case",
      `${path}: ${issue?.path.join(".") ?? ""}: ${issue?.message ?? "invalid"}`,
    );
  }
  return parsed.data;
}

/** A script by id (scr_…) or by name; the version by number, else the newest. */
async function storedRun(deps: Deps, script: string, versionNumber: number | undefined): Promise<Summary> {
  let id = script;
  if (!script.startsWith("scr_")) {
    const all = await listScripts(deps, { limit: 100 });
    const found = all.data.find((candidate) => candidate.name === script);
    if (found === undefined)
      throw new DomainError("script_not_found", `no charge script named ${JSON.stringify(script)}`);
    id = found.id;
  }
  const versions = (await getScript(deps, id)).versions;
  const version = versionNumber === undefined ? versions[0] : versions.find((v) => v.number === versionNumber);
  if (version === undefined)
    throw new DomainError("script_version_not_found", `${script} has no version ${versionNumber ?? ""}`.trim());
  process.stdout.write(`${script} version ${version.number} (${version.status})\n`);
  return testVersion(deps, id, version.id);
}

export function register(program: Command): void {
  const scripts = program.command("scripts").description("Lua charge scripts: run their test cases");
  registerBacktest(scripts);
  scripts
    .command("test")
    .argument("[script]", "a stored script's id or name: runs the test cases of its newest version (or --version)")
    .option("--version <number>", "the version number to test", (text) => Number(text))
    .option("--file <path>", "a Lua file to test instead of a stored version (no database needed)")
    .option("--cases <path>", "a JSON file with a list of test cases, for --file")
    .description("Run test cases and print the results; exits 1 when any fails")
    .addHelpText(
      "after",
      "\nExamples:\n  accrue scripts test 3PL\n  accrue scripts test --file 3pl.lua --cases 3pl-cases.json\n",
    )
    .action(async (script: string | undefined, options: { version?: number; file?: string; cases?: string }) => {
      try {
        let summary: Summary;
        if (options.file !== undefined) {
          if (options.cases === undefined) throw new DomainError("invalid_request", "--file needs --cases FILE.json");
          summary = await runTestCases(await readFile(options.file, "utf8"), await readCases(options.cases));
        } else if (script !== undefined) {
          summary = await withRuntime(({ db, clock }) => storedRun({ db, clock }, script, options.version));
        } else {
          throw new DomainError("invalid_request", "name a stored script, or give --file and --cases");
        }
        process.stdout.write(formatTestRun(summary));
        if (summary.failed > 0) process.exitCode = 1;
      } catch (error) {
        if (!(error instanceof DomainError)) throw error;
        process.stderr.write(`${error.code}: ${error.message}\n`);
        process.exitCode = 1;
      }
    });
}
