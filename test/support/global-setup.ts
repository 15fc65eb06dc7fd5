import { randomBytes } from "node:crypto";
import { mkdtemp } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import pg from "pg";
import type { TestProject } from "vitest/node";
import { prepareDatabase } from "../../src/jobs/index.js";
import { openDatabase } from "../../src/kernel/db.js";
import { type EmbeddedServer, startEmbeddedPostgres } from "../../src/kernel/embedded-postgres.js";

/**
 * One PostgreSQL server per test run: the embedded one, or the server in
 * DATABASE_URL. A template database is migrated once; every test file clones
 * it (test/support/database.ts), so files run in parallel on their own data.
 */
declare module "vitest" {
  export interface ProvidedContext {
    pgServerUrl: string;
    pgTemplateDatabase: string;
  }
}

export default async function setup(project: TestProject) {
  let embedded: EmbeddedServer | undefined;
  let adminUrl = process.env.DATABASE_URL;
  if (adminUrl === undefined || adminUrl === "") {
    const dataDir = await mkdtemp(path.join(os.tmpdir(), "accrue-test-pg-"));
    embedded = await startEmbeddedPostgres({ dataDir, ephemeral: true });
    adminUrl = embedded.adminUrl;
  }
  const runId = `${Date.now().toString(36)}${randomBytes(3).toString("hex")}`;
  const template = `accrue_tpl_${runId}`;
  const admin = new pg.Client(adminUrl);
  await admin.connect();
  await admin.query(`create database ${template}`);
  const url = new URL(adminUrl);
  url.pathname = `/${template}`;
  const db = openDatabase({ connectionString: url.toString(), poolSize: 2 });
  await prepareDatabase(db, url.toString());
  await db.destroy();
  project.provide("pgServerUrl", adminUrl);
  project.provide("pgTemplateDatabase", template);

  return async () => {
    // Drop what this run created on a shared server; the embedded one is deleted whole.
    if (embedded === undefined) {
      const { rows } = await admin.query<{ datname: string }>("select datname from pg_database where datname like $1", [
        `accrue_%${runId}%`,
      ]);
      for (const row of rows) {
        await admin.query(`drop database if exists ${row.datname} with (force)`);
      }
    }
    await admin.end();
    await embedded?.stop();
  };
}
