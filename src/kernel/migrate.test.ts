import { mkdtemp, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { sql } from "kysely";
import pg from "pg";
import { describe, expect, inject, it } from "vitest";
import { openDatabase } from "./db.js";
import { migrate, readMigrations } from "./migrate.js";

/** Migrations from an empty database, on whichever server the suite runs against. */
async function emptyDatabase() {
  const serverUrl = inject("pgServerUrl");
  const name = `${inject("pgTemplateDatabase").replace("accrue_tpl_", "accrue_empty_")}_${Math.random().toString(36).slice(2, 8)}`;
  const admin = new pg.Client(serverUrl);
  await admin.connect();
  await admin.query(`create database ${name}`);
  await admin.end();
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  return openDatabase({ connectionString: url.toString(), poolSize: 4 });
}

describe("migrations", () => {
  it("bring an empty database to the current schema, once", async () => {
    const db = await emptyDatabase();
    const all = await readMigrations();
    const first = await migrate(db);
    expect(first.applied).toHaveLength(all.length);
    const second = await migrate(db);
    expect(second).toEqual({ applied: [], alreadyApplied: all.length });
    const tables = await sql<{
      n: string;
    }>`select count(*) as n from information_schema.tables where table_schema = 'public'`.execute(db);
    expect(Number(tables.rows[0]?.n)).toBeGreaterThan(5);
    await db.destroy();
  });

  it("run once when two processes start together", async () => {
    const db = await emptyDatabase();
    const other = await emptyDatabaseSameAs(db);
    const [a, b] = await Promise.all([migrate(db), migrate(other)]);
    const total = (await readMigrations()).length;
    expect(a.applied.length + b.applied.length).toBe(total);
    await db.destroy();
    await other.destroy();
  });

  it("refuse a migration that was edited after it ran", async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), "accrue-migrations-"));
    await writeFile(path.join(dir, "0001_first.sql"), "create table first_table (id int);");
    const db = await emptyDatabase();
    await migrate(db, dir);
    await writeFile(path.join(dir, "0001_first.sql"), "create table first_table (id bigint);");
    await expect(migrate(db, dir)).rejects.toThrow(/changed after it was applied/);
    await db.destroy();
  });

  it("roll back a failing migration whole", async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), "accrue-migrations-"));
    await writeFile(path.join(dir, "0001_broken.sql"), "create table half_done (id int); select * from no_such_table;");
    const db = await emptyDatabase();
    await expect(migrate(db, dir)).rejects.toThrow();
    const found = await sql`select 1 from information_schema.tables where table_name = 'half_done'`.execute(db);
    expect(found.rows).toHaveLength(0);
    await db.destroy();
  });
});

async function emptyDatabaseSameAs(db: ReturnType<typeof openDatabase>) {
  const result = await sql<{ name: string }>`select current_database() as name`.execute(db);
  const url = new URL(inject("pgServerUrl"));
  url.pathname = `/${result.rows[0]?.name}`;
  return openDatabase({ connectionString: url.toString(), poolSize: 4 });
}
