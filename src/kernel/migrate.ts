import { createHash } from "node:crypto";
import { readdir, readFile } from "node:fs/promises";
import path from "node:path";
import { sql } from "kysely";
import type { Db } from "./db.js";

/**
 * Forward-only SQL migrations: `migrations/NNNN_name.sql`, applied in order,
 * each in its own transaction, recorded with a checksum. A migration that was
 * edited after it ran is refused rather than silently diverging.
 */
export const MIGRATIONS_DIR = path.resolve(import.meta.dirname, "../../migrations");

export interface Migration {
  version: string;
  name: string;
  sql: string;
  checksum: string;
}

export async function readMigrations(dir = MIGRATIONS_DIR): Promise<Migration[]> {
  const files = (await readdir(dir)).filter((file) => /^\d{4}_[a-z0-9_]+\.sql$/.test(file)).sort();
  const migrations: Migration[] = [];
  for (const file of files) {
    const text = await readFile(path.join(dir, file), "utf8");
    migrations.push({
      version: file.slice(0, 4),
      name: file.slice(5, -4),
      sql: text,
      checksum: createHash("sha256").update(text).digest("hex"),
    });
  }
  return migrations;
}

export interface MigrationResult {
  applied: string[];
  alreadyApplied: number;
}

export async function migrate(db: Db, dir = MIGRATIONS_DIR): Promise<MigrationResult> {
  const migrations = await readMigrations(dir);
  return db.connection().execute(async (conn) => {
    // Two processes starting at once: one migrates, the other waits and finds nothing to do.
    await sql`select pg_advisory_lock(hashtextextended('accrue:migrate', 0))`.execute(conn);
    try {
      await sql`create table if not exists schema_migrations (
        version text primary key,
        name text not null,
        checksum text not null,
        applied_at timestamptz not null default now()
      )`.execute(conn);
      const done = await sql<{ version: string; checksum: string }>`
        select version, checksum from schema_migrations`.execute(conn);
      const applied = new Map(done.rows.map((row) => [row.version, row.checksum]));
      const result: MigrationResult = { applied: [], alreadyApplied: 0 };
      for (const migration of migrations) {
        const checksum = applied.get(migration.version);
        if (checksum !== undefined) {
          if (checksum !== migration.checksum) {
            throw new Error(
              `migration ${migration.version}_${migration.name} changed after it was applied; add a new migration instead`,
            );
          }
          result.alreadyApplied++;
          continue;
        }
        await conn.transaction().execute(async (tx) => {
          await sql.raw(migration.sql).execute(tx);
          await sql`insert into schema_migrations (version, name, checksum)
            values (${migration.version}, ${migration.name}, ${migration.checksum})`.execute(tx);
        });
        result.applied.push(`${migration.version}_${migration.name}`);
      }
      return result;
    } finally {
      await sql`select pg_advisory_unlock(hashtextextended('accrue:migrate', 0))`.execute(conn);
    }
  });
}
