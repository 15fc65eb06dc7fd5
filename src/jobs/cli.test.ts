import { Command } from "commander";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { freshDatabase } from "../../test/support/database.js";
import { register as registerJobs } from "../cli/commands/jobs.js";
import { TestClock } from "../kernel/clock.js";
import { startJobs } from "./runner.js";
import { getJob } from "./service.js";
import { eventually } from "./test-support.js";

const { db, url } = await freshDatabase();
let failing = true;
const jobs = await startJobs({
  db,
  clock: new TestClock("2026-11-02T09:00:00Z"),
  connectionString: url,
  onError: () => {},
  tuning: { pollingIntervalSeconds: 0.5 },
  handlers: {
    "tax-filing": {
      retryLimit: 0,
      handler: async () => {
        if (failing) throw new Error("tax service unreachable");
      },
    },
  },
});
afterAll(() => jobs.stop());
beforeAll(() => {
  process.env.DATABASE_URL = url; // the commands open their own connection, as `accrue` does
});

async function accrue(...args: string[]): Promise<string> {
  const program = new Command("accrue").exitOverride();
  registerJobs(program);
  let printed = "";
  vi.spyOn(process.stdout, "write").mockImplementation((chunk: string | Uint8Array) => {
    printed += String(chunk);
    return true;
  });
  try {
    await program.parseAsync(["node", "accrue", ...args]);
  } finally {
    vi.restoreAllMocks();
  }
  return printed;
}

describe("accrue jobs", () => {
  it("lists failed jobs with their last error and retries one", async () => {
    const id = (await jobs.send("tax-filing", { period: "2026-10" })) ?? "";
    await eventually(async () => (await getJob({ db }, id)).state === "failed");

    const failed = await accrue("jobs", "list", "--state", "failed");
    expect(failed.split("\n")[0]).toMatch(/^ID\s+QUEUE\s+STATE\s+RETRIES\s+CREATED\s+LAST ERROR$/);
    expect(failed).toContain(id);
    expect(failed).toMatch(/tax-filing\s+failed\s+0\/0\s+\S+\s+tax service unreachable/);
    expect(await accrue("jobs", "list", "--state", "dead")).toMatch(/tax-filing\s+dead/);

    failing = false;
    expect(await accrue("jobs", "retry", id)).toBe(`retrying ${id} on tax-filing (now retry)\n`);
    await eventually(async () => (await getJob({ db }, id)).state === "completed");
    expect(JSON.parse(await accrue("jobs", "show", id))).toMatchObject({ id, state: "completed" });
  });

  it("refuses an unknown state", async () => {
    vi.spyOn(process.stderr, "write").mockImplementation(() => true);
    await expect(accrue("jobs", "list", "--state", "stuck")).rejects.toThrow(/Allowed choices/);
  });
});
