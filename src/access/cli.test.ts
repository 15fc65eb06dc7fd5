import { Readable } from "node:stream";
import { Command } from "commander";
import { sql } from "kysely";
import { afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { freshDatabase } from "../../test/support/database.js";
import { register as registerAudit } from "../cli/commands/audit.js";
import { register as registerKeys } from "../cli/commands/keys.js";
import { register as registerUsers } from "../cli/commands/users.js";
import { TestClock } from "../kernel/clock.js";
import { authenticateRequest } from "./authenticate.js";
import { login } from "./sessions.js";

const { db, url } = await freshDatabase();
const deps = { db, clock: new TestClock("2026-01-05T09:00:00Z") };

beforeAll(() => {
  process.env.DATABASE_URL = url; // the commands open their own connection, as `accrue` does
});

afterEach(() => {
  vi.restoreAllMocks();
  process.exitCode = undefined;
});

/** Runs `accrue ARGS…` in-process and returns what it printed. */
async function accrue(...args: string[]): Promise<string> {
  const program = new Command("accrue").exitOverride();
  registerUsers(program);
  registerKeys(program);
  registerAudit(program);
  let printed = "";
  vi.spyOn(process.stdout, "write").mockImplementation((chunk: string | Uint8Array) => {
    printed += String(chunk);
    return true;
  });
  await program.parseAsync(["node", "accrue", ...args]);
  vi.restoreAllMocks();
  return printed;
}

describe("accrue users create", () => {
  it("prints a generated password once, which signs in", async () => {
    const printed = await accrue("users", "create", "--email", "ana@example.com", "--name", "Ana", "--role", "admin");
    expect(printed).toMatch(/^created usr_\w+ ana@example.com \(admin\)\npassword: (\S+)\n/);
    const password = /password: (\S+)/.exec(printed)?.[1] ?? "";
    const signedIn = await login(deps, {
      email: "ana@example.com",
      password,
      request_id: "req_1",
      address: "127.0.0.1",
    });
    expect(signedIn.user.role).toBe("admin");
  });

  it("reads the password from standard input when asked", async () => {
    vi.spyOn(process, "stdin", "get").mockReturnValue(Readable.from(["a long passphrase\n"]) as typeof process.stdin);
    const printed = await accrue(
      "users",
      "create",
      "--email",
      "bo@example.com",
      "--name",
      "Bo",
      "--role",
      "auditor",
      "--password-stdin",
    );
    expect(printed).not.toContain("password");
    await expect(
      login(deps, {
        email: "bo@example.com",
        password: "a long passphrase",
        request_id: "req_2",
        address: "127.0.0.1",
      }),
    ).resolves.toBeDefined();
  });

  it("fails with the rule's message for a short password", async () => {
    vi.spyOn(process, "stdin", "get").mockReturnValue(Readable.from(["short"]) as typeof process.stdin);
    await expect(
      accrue("users", "create", "--email", "cy@example.com", "--name", "Cy", "--role", "auditor", "--password-stdin"),
    ).rejects.toThrow("at least 12 characters");
  });
});

describe("accrue keys", () => {
  it("creates (printing only the secret), lists and revokes", async () => {
    const secret = (await accrue("keys", "create", "--role", "developer", "--name", "warehouse sync")).trim();
    expect(secret).toMatch(/^sk_live_[A-Za-z0-9_-]{43}$/);
    const result = await authenticateRequest(deps, { authorization: `Bearer ${secret}`, method: "GET" });
    if (!result.ok) throw new Error("the printed key does not work");

    const listed = await accrue("keys", "list");
    expect(listed).toContain("warehouse sync");
    expect(listed).toContain(`sk_live_…${secret.slice(-4)}`);
    expect(listed).not.toContain(secret);

    expect(await accrue("keys", "revoke", result.actor.id)).toContain(`revoked ${result.actor.id}`);
    expect((await authenticateRequest(deps, { authorization: `Bearer ${secret}`, method: "GET" })).ok).toBe(false);
    expect(await accrue("keys", "list")).not.toContain("warehouse sync");
    expect(await accrue("keys", "list", "--all")).toContain("warehouse sync");
  });
});

describe("accrue audit verify", () => {
  it("exits 0 on an intact chain and 1 with a line per problem", async () => {
    const intact = await accrue("audit", "verify");
    expect(intact).toMatch(/^audit chain intact: \d+ rows checked; head seq \d+ hash [0-9a-f]{64}\n$/);
    expect(process.exitCode).toBeUndefined();

    await db.transaction().execute(async (tx) => {
      await sql`set local session_replication_role = replica`.execute(tx);
      await sql`update audit_events set after = '{"role": "admin"}' where seq = 2`.execute(tx);
    });
    const broken = await accrue("audit", "verify");
    expect(broken).toContain("audit chain BROKEN: 1 problem(s)");
    expect(broken).toContain("seq 2  edited  hash mismatch at seq 2");
    expect(process.exitCode).toBe(1);
  });
});
