import type { Kysely, Selectable } from "kysely";
import type { Executor } from "../kernel/db.js";
import type { ScriptVersionStatus, TestCase, TestRunSummary } from "./script-model.js";

/** SQL for charge scripts (migrations/0017_charge_scripts.sql), nothing else. */

interface ScriptsTable {
  id: string;
  name: string;
  description: string | null;
  currency: string | null;
  is_default: boolean;
  created_at: Date;
  updated_at: Date;
}

interface VersionsTable {
  id: string;
  script_id: string;
  number: number;
  status: ScriptVersionStatus;
  source: string;
  notes: string | null;
  author: string;
  author_name: string | null;
  tests_status: TestRunSummary["status"];
  test_results: TestRunSummary | null;
  tests_run_at: Date | null;
  effective_from: Date | null;
  approval_id: string | null;
  published_at: Date | null;
  published_by: string | null;
  superseded_at: Date | null;
  created_at: Date;
  updated_at: Date;
}

interface TestCasesTable {
  id: string;
  version_id: string;
  position: number;
  name: string;
  events: TestCase["events"];
  rates: TestCase["rates"];
  context: TestCase["context"] | null;
  expected: TestCase["expected"];
}

interface AssignmentsTable {
  customer_id: string;
  script_id: string;
  assigned_at: Date;
}

interface ScriptTables {
  usage_scripts: ScriptsTable;
  usage_script_versions: VersionsTable;
  usage_script_test_cases: TestCasesTable;
  usage_script_assignments: AssignmentsTable;
}

export type ScriptRow = Selectable<ScriptsTable>;
export type VersionRow = Selectable<VersionsTable>;
export type TestCaseRow = Selectable<TestCasesTable>;

const t = (db: Executor) => db as unknown as Kysely<ScriptTables>;
// jsonb takes JSON text: pg would send a JS array as a PostgreSQL array.
const json = (value: unknown) => (value === null ? null : JSON.stringify(value)) as never;

export async function findScriptRow(db: Executor, id: string, lock = false) {
  const query = t(db).selectFrom("usage_scripts").selectAll().where("id", "=", id);
  return (lock ? query.forUpdate() : query).executeTakeFirst();
}

export async function findScriptByName(db: Executor, name: string) {
  return t(db).selectFrom("usage_scripts").selectAll().where("name", "=", name).executeTakeFirst();
}

export function scriptsQuery(db: Executor) {
  return t(db).selectFrom("usage_scripts").selectAll();
}

export async function insertScript(db: Executor, row: ScriptRow): Promise<void> {
  await t(db).insertInto("usage_scripts").values(row).execute();
}

export async function updateScriptRow(db: Executor, id: string, changes: Partial<Omit<ScriptRow, "id">>) {
  await t(db).updateTable("usage_scripts").set(changes).where("id", "=", id).execute();
}

export async function clearDefaultScript(db: Executor, exceptId: string): Promise<void> {
  await t(db)
    .updateTable("usage_scripts")
    .set({ is_default: false })
    .where("is_default", "=", true)
    .where("id", "<>", exceptId)
    .execute();
}

/** Whether any customer can be rated by a script: a default script or any assignment. */
export async function anyScriptRates(db: Executor): Promise<boolean> {
  const found = await t(db)
    .selectFrom("usage_scripts")
    .select("id")
    .where("is_default", "=", true)
    .union(t(db).selectFrom("usage_script_assignments").select("script_id as id"))
    .limit(1)
    .execute();
  return found.length > 0;
}

export async function findDefaultScript(db: Executor) {
  return t(db).selectFrom("usage_scripts").selectAll().where("is_default", "=", true).executeTakeFirst();
}

export async function findVersionRow(db: Executor, id: string, lock = false) {
  const query = t(db).selectFrom("usage_script_versions").selectAll().where("id", "=", id);
  return (lock ? query.forUpdate() : query).executeTakeFirst();
}

export async function listVersionRows(db: Executor, scriptId: string): Promise<VersionRow[]> {
  return t(db)
    .selectFrom("usage_script_versions")
    .selectAll()
    .where("script_id", "=", scriptId)
    .orderBy("number", "desc")
    .execute();
}

export async function nextVersionNumber(db: Executor, scriptId: string): Promise<number> {
  const row = await t(db)
    .selectFrom("usage_script_versions")
    .select((eb) => eb.fn.max("number").as("number"))
    .where("script_id", "=", scriptId)
    .executeTakeFirst();
  return Number(row?.number ?? 0) + 1;
}

export async function insertVersion(db: Executor, row: VersionRow): Promise<void> {
  await t(db)
    .insertInto("usage_script_versions")
    .values({ ...row, test_results: json(row.test_results) })
    .execute();
}

export async function updateVersionRow(
  db: Executor,
  id: string,
  changes: Partial<Omit<VersionRow, "id" | "script_id">>,
) {
  const { test_results, ...rest } = changes;
  await t(db)
    .updateTable("usage_script_versions")
    .set({ ...rest, ...(test_results === undefined ? {} : { test_results: json(test_results) }) })
    .where("id", "=", id)
    .execute();
}

export async function deleteVersionRow(db: Executor, id: string): Promise<void> {
  await t(db).deleteFrom("usage_script_versions").where("id", "=", id).execute();
}

/** The live versions (published or superseded), latest effective first. */
export async function liveVersionRows(db: Executor, scriptId: string): Promise<VersionRow[]> {
  return t(db)
    .selectFrom("usage_script_versions")
    .selectAll()
    .where("script_id", "=", scriptId)
    .where("status", "in", ["published", "superseded"])
    .orderBy("effective_from", "desc")
    .execute();
}

/** The version in effect at an instant: the live one with the latest effective_from at or before it. */
export async function versionAtRow(db: Executor, scriptId: string, at: Date) {
  return t(db)
    .selectFrom("usage_script_versions")
    .selectAll()
    .where("script_id", "=", scriptId)
    .where("status", "in", ["published", "superseded"])
    .where("effective_from", "<=", at)
    .orderBy("effective_from", "desc")
    .limit(1)
    .executeTakeFirst();
}

export async function listTestCaseRows(db: Executor, versionId: string): Promise<TestCaseRow[]> {
  return t(db)
    .selectFrom("usage_script_test_cases")
    .selectAll()
    .where("version_id", "=", versionId)
    .orderBy("position")
    .execute();
}

export async function replaceTestCases(db: Executor, versionId: string, rows: TestCaseRow[]): Promise<void> {
  await t(db).deleteFrom("usage_script_test_cases").where("version_id", "=", versionId).execute();
  if (rows.length === 0) return;
  await t(db)
    .insertInto("usage_script_test_cases")
    .values(
      rows.map((row) => ({
        ...row,
        events: json(row.events),
        rates: json(row.rates),
        context: json(row.context ?? null),
        expected: json(row.expected),
      })),
    )
    .execute();
}

export async function findAssignment(db: Executor, customerId: string) {
  return t(db)
    .selectFrom("usage_script_assignments")
    .selectAll()
    .where("customer_id", "=", customerId)
    .executeTakeFirst();
}

export async function upsertAssignment(db: Executor, row: Selectable<AssignmentsTable>): Promise<void> {
  await t(db)
    .insertInto("usage_script_assignments")
    .values(row)
    .onConflict((oc) =>
      oc.column("customer_id").doUpdateSet({ script_id: row.script_id, assigned_at: row.assigned_at }),
    )
    .execute();
}

export async function deleteAssignment(db: Executor, customerId: string): Promise<void> {
  await t(db).deleteFrom("usage_script_assignments").where("customer_id", "=", customerId).execute();
}
