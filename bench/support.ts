import { randomBytes } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import pg from "pg";
import { prepareDatabase } from "../src/jobs/index.js";
import { type Db, openDatabase } from "../src/kernel/db.js";
import { startEmbeddedPostgres } from "../src/kernel/embedded-postgres.js";

/**
 * A migrated database for one benchmark: a new database on DATABASE_URL's
 * server, or a throwaway embedded server. Benchmarks measure; they never
 * assert a time.
 */
export interface BenchDatabase {
  db: Db;
  connectionString: string;
  server: string;
  close(): Promise<void>;
}

export async function benchDatabase(poolSize = 20): Promise<BenchDatabase> {
  const external = process.env.DATABASE_URL;
  let adminUrl: string;
  let stopServer = async () => {};
  let server: string;
  if (external !== undefined && external !== "") {
    adminUrl = external;
    server = "PostgreSQL at DATABASE_URL";
  } else {
    const dataDir = await mkdtemp(path.join(os.tmpdir(), "accrue-bench-"));
    const embedded = await startEmbeddedPostgres({ dataDir, ephemeral: true });
    adminUrl = embedded.adminUrl;
    server = "embedded PostgreSQL 18.4";
    stopServer = async () => {
      await embedded.stop();
      await rm(dataDir, { recursive: true, force: true });
    };
  }
  const name = `accrue_bench_${randomBytes(4).toString("hex")}`;
  const admin = new pg.Client(adminUrl);
  await admin.connect();
  await admin.query(`create database ${name}`);
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  const connectionString = url.toString();
  const db = openDatabase({ connectionString, poolSize });
  await prepareDatabase(db, connectionString);
  return {
    db,
    connectionString,
    server,
    close: async () => {
      await db.destroy();
      // BENCH_KEEP_DATABASE=1 leaves the database on an external server, to look at what a run wrote.
      if (process.env.BENCH_KEEP_DATABASE === "1" && external !== undefined && external !== "") {
        process.stderr.write(`kept database ${name}\n`);
      } else {
        await admin.query(`drop database if exists ${name} with (force)`);
      }
      await admin.end();
      await stopServer();
    },
  };
}

export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const index = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[index] ?? Number.NaN;
}

/** One result line: printed as JSON so docs/benchmarks.md can be filled from it. */
export function report(result: Record<string, unknown>): void {
  process.stdout.write(`${JSON.stringify(result)}\n`);
}

/**
 * A CPU profile of the measured part of a benchmark, written to `file`
 * (open it in Chrome's DevTools); without a file name, nothing is recorded.
 */
export async function startProfiler(file: string | undefined): Promise<{ stop(): Promise<void> }> {
  if (file === undefined || file === "") return { stop: async () => {} };
  const { Session } = await import("node:inspector/promises");
  const { writeFile } = await import("node:fs/promises");
  const session = new Session();
  session.connect();
  await session.post("Profiler.enable");
  await session.post("Profiler.start");
  return {
    stop: async () => {
      const { profile } = await session.post("Profiler.stop");
      await writeFile(file, JSON.stringify(profile));
      session.disconnect();
    },
  };
}
