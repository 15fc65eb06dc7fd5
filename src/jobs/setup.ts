import PgBoss from "pg-boss";
import type { Db } from "../kernel/db.js";
import { type MigrationResult, migrate } from "../kernel/migrate.js";
import { BOSS_SCHEMA, bossDb } from "./boss.js";

/**
 * Brings an empty or older database to the current schema: our SQL
 * migrations, then pg-boss's own schema through pg-boss's installer (it
 * creates or upgrades `pgboss` to the version in node_modules, under its own
 * advisory lock). Runs at server start, in `accrue migrate` and in the test
 * template, so every cloned test database already has the queue tables.
 *
 * It lives here rather than in the kernel because the kernel (row 0) may not
 * depend on the jobs engine; the connection string is kept in the signature
 * for callers that run it before a pool exists.
 */
export async function prepareDatabase(db: Db, _connectionString: string): Promise<MigrationResult> {
  const result = await migrate(db);
  await installJobQueue(db);
  return result;
}

async function installJobQueue(db: Db): Promise<void> {
  const boss = new PgBoss({ db: bossDb(db), schema: BOSS_SCHEMA, supervise: false, schedule: false, migrate: true });
  boss.on("error", () => {});
  await boss.start();
  await boss.stop({ graceful: false, close: false });
}
