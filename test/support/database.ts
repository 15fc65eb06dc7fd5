import { randomBytes } from "node:crypto";
import pg from "pg";
import { afterAll, inject } from "vitest";
import { type Db, openDatabase } from "../../src/kernel/db.js";

export interface TestDatabase {
  db: Db;
  url: string;
  name: string;
}

/**
 * A fresh database cloned from the run's migrated template, dropped after the
 * file's tests. Call once per test file (at module level or in beforeAll).
 */
export async function freshDatabase(options: { poolSize?: number } = {}): Promise<TestDatabase> {
  const serverUrl = inject("pgServerUrl");
  const template = inject("pgTemplateDatabase");
  const name = `${template.replace("accrue_tpl_", "accrue_t_")}_${randomBytes(4).toString("hex")}`;
  const admin = new pg.Client(serverUrl);
  await admin.connect();
  try {
    await admin.query(`create database ${name} template ${template}`);
  } finally {
    await admin.end();
  }
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  const db = openDatabase({ connectionString: url.toString(), poolSize: options.poolSize ?? 10 });
  afterAll(async () => {
    await db.destroy();
  });
  return { db, url: url.toString(), name };
}
