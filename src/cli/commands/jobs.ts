import { type Command, Option } from "commander";
import { getJob, JOB_STATES, type JobView, listJobs, retryJob } from "../../jobs/index.js";
import { withRuntime } from "../runtime.js";

export function register(program: Command): void {
  const jobs = program.command("jobs").description("durable jobs: see what failed or died, and run it again");
  jobs
    .command("list")
    .description("list jobs, newest first")
    .addOption(new Option("--state <state>", "only jobs in this state").choices([...JOB_STATES]))
    .option("--queue <queue>", "only jobs of this queue")
    .option("--limit <n>", "how many (1-100)", "50")
    .addHelpText(
      "after",
      "\nStates: failed = used up its retries; dead = its copy waiting in the dead-letter queue for a person.\nExamples:\n  accrue jobs list --state failed\n  accrue jobs list --state dead --queue webhooks-deliver",
    )
    .action(async (options: { state?: (typeof JOB_STATES)[number]; queue?: string; limit: string }) => {
      const limit = Number.parseInt(options.limit, 10);
      if (!Number.isInteger(limit) || limit < 1 || limit > 100) throw new Error("--limit must be between 1 and 100");
      await withRuntime(async ({ db }) => {
        const page = await listJobs({ db }, { limit, state: options.state, queue: options.queue });
        const rows = [["ID", "QUEUE", "STATE", "RETRIES", "CREATED", "LAST ERROR"], ...page.data.map(jobRow)];
        process.stdout.write(formatTable(rows));
        if (page.has_more) process.stdout.write(`… more; raise --limit or narrow with --state/--queue\n`);
      });
    });

  jobs
    .command("show")
    .description("show one job with its data and its last error")
    .argument("<id>", "the job's id (a UUID)")
    .action(async (id: string) => {
      await withRuntime(async ({ db }) => {
        process.stdout.write(`${JSON.stringify(await getJob({ db }, id), null, 2)}\n`);
      });
    });

  jobs
    .command("retry")
    .description("give a failed or dead job one more run")
    .argument("<id>", "the job's id (a UUID), as `accrue jobs list` shows it")
    .action(async (id: string) => {
      await withRuntime(async ({ db }) => {
        const job = await retryJob({ db }, id);
        process.stdout.write(`retrying ${job.id} on ${job.queue} (now ${job.state})\n`);
      });
    });
}

function jobRow(job: JobView): string[] {
  return [job.id, job.queue, job.state, `${job.retry_count}/${job.retry_limit}`, job.created_at, lastError(job.output)];
}

/** pg-boss stores a failure as the serialized error; its message is what a person needs. */
function lastError(output: unknown): string {
  if (output === null || typeof output !== "object") return "-";
  const message =
    (output as { message?: unknown; value?: { message?: unknown } }).message ??
    (output as { value?: { message?: unknown } }).value?.message;
  return typeof message === "string" ? (message.split("\n")[0]?.slice(0, 80) ?? "-") : "-";
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
