import type { Temporal } from "temporal-polyfill";
import { recordAudit } from "../access/index.js";
import type { RequestContext } from "../kernel/actor.js";
import { toDate } from "../kernel/clock.js";
import { type Executor, inTransaction, type Tx } from "../kernel/db.js";
import type { Deps } from "../kernel/deps.js";
import { DomainError } from "../kernel/errors.js";
import { newId, parseId } from "../kernel/ids.js";
import { paginate } from "../kernel/pagination.js";
import "./errors.js";
import { nextStatus, type TestCase, type TestRunSummary } from "./script-model.js";
import {
  clearDefaultScript,
  deleteVersionRow,
  findScriptByName,
  findScriptRow,
  findVersionRow,
  insertScript,
  insertVersion,
  listTestCaseRows,
  listVersionRows,
  nextVersionNumber,
  replaceTestCases,
  scriptsQuery,
  type TestCaseRow,
  updateScriptRow,
  updateVersionRow,
  type VersionRow,
} from "./script-store.js";
import { checkSource, runTestCases } from "./script-tests.js";
import { type ScriptJson, type ScriptVersionJson, scriptJson, testCaseOf, versionJson } from "./script-views.js";

/**
 * Charge scripts and their draft versions. Saving a draft runs its test
 * cases and keeps the outcome on the version; the source and cases of a
 * version that is pending approval, published or superseded never change.
 * Every change is audited with before and after.
 */

export interface NewScript {
  name: string;
  description?: string | null | undefined;
  currency?: string | null | undefined;
  is_default?: boolean | undefined;
}

export interface ScriptChanges {
  description?: string | null | undefined;
  currency?: string | null | undefined;
  is_default?: boolean | undefined;
}

export interface VersionInput {
  source: string;
  notes?: string | null | undefined;
  test_cases?: TestCase[] | undefined;
}

export type VersionChanges = Partial<VersionInput>;

export function scriptNotFound(id: string, param = "id"): DomainError {
  return new DomainError("script_not_found", `no charge script ${id}`, { param });
}

export function versionNotFound(id: string, param = "version"): DomainError {
  return new DomainError("script_version_not_found", `no script version ${id}`, { param });
}

async function audit(
  tx: Tx,
  ctx: RequestContext,
  entry: { action: string; object_type: string; object_id: string; before?: unknown; after: unknown },
  at: Temporal.Instant,
): Promise<void> {
  await recordAudit(tx, ctx, entry, at);
}

export async function createScript(deps: Deps, ctx: RequestContext, input: NewScript): Promise<ScriptJson> {
  return inTransaction(deps.db, async (tx) => {
    if ((await findScriptByName(tx, input.name)) !== undefined) {
      throw new DomainError("script_name_taken", `a charge script named ${JSON.stringify(input.name)} exists`, {
        param: "name",
      });
    }
    const at = deps.clock.now();
    const id = newId("usage_script");
    if (input.is_default === true) await clearDefaultScript(tx, id);
    const row = {
      id,
      name: input.name,
      description: input.description ?? null,
      currency: input.currency ?? null,
      is_default: input.is_default ?? false,
      created_at: toDate(at),
      updated_at: toDate(at),
    };
    await insertScript(tx, row);
    const after = scriptJson(row);
    await audit(tx, ctx, { action: "script.created", object_type: "script", object_id: id, after }, at);
    return after;
  });
}

export async function updateScript(
  deps: Deps,
  ctx: RequestContext,
  id: string,
  changes: ScriptChanges,
): Promise<ScriptJson> {
  const scriptId = parseId("usage_script", id, "id");
  return inTransaction(deps.db, async (tx) => {
    const row = await findScriptRow(tx, scriptId, true);
    if (row === undefined) throw scriptNotFound(scriptId);
    const at = deps.clock.now();
    if (changes.is_default === true) await clearDefaultScript(tx, scriptId);
    const updated = {
      ...row,
      ...(changes.description === undefined ? {} : { description: changes.description }),
      ...(changes.currency === undefined ? {} : { currency: changes.currency }),
      ...(changes.is_default === undefined ? {} : { is_default: changes.is_default }),
      updated_at: toDate(at),
    };
    const { id: _id, ...fields } = updated;
    await updateScriptRow(tx, scriptId, fields);
    const after = scriptJson(updated);
    await audit(
      tx,
      ctx,
      { action: "script.updated", object_type: "script", object_id: scriptId, before: scriptJson(row), after },
      at,
    );
    return after;
  });
}

export async function listScripts(
  deps: Deps,
  page: { limit: number; starting_after?: string | undefined; ending_before?: string | undefined },
) {
  const result = await paginate(scriptsQuery(deps.db), "id", page);
  return { object: "list" as const, data: result.data.map(scriptJson), has_more: result.has_more };
}

export async function getScript(deps: Deps, id: string) {
  const scriptId = parseId("usage_script", id, "id");
  const row = await findScriptRow(deps.db, scriptId);
  if (row === undefined) throw scriptNotFound(scriptId);
  const versions = await listVersionRows(deps.db, scriptId);
  return {
    ...scriptJson(row),
    versions: versions.map((version) => ({
      id: version.id,
      number: version.number,
      status: version.status,
      tests_status: version.tests_status,
      effective_from: version.effective_from === null ? null : version.effective_from.toISOString(),
    })),
  };
}

/** The version, checked to belong to the script in the path. */
export async function loadVersion(
  db: Executor,
  scriptId: string,
  versionId: string,
  lock = false,
): Promise<VersionRow> {
  const script = parseId("usage_script", scriptId, "id");
  const id = parseId("usage_script_version", versionId, "version");
  const row = await findVersionRow(db, id, lock);
  if (row === undefined || row.script_id !== script) throw versionNotFound(id);
  return row;
}

export async function versionView(db: Executor, row: VersionRow): Promise<ScriptVersionJson> {
  return versionJson(row, await listTestCaseRows(db, row.id));
}

export async function getVersion(deps: Deps, scriptId: string, versionId: string): Promise<ScriptVersionJson> {
  return versionView(deps.db, await loadVersion(deps.db, scriptId, versionId));
}

export async function listVersions(deps: Deps, scriptId: string) {
  const id = parseId("usage_script", scriptId, "id");
  if ((await findScriptRow(deps.db, id)) === undefined) throw scriptNotFound(id);
  const rows = await listVersionRows(deps.db, id);
  return {
    object: "list" as const,
    data: await Promise.all(rows.map((row) => versionView(deps.db, row))),
    has_more: false,
  };
}

function caseRows(versionId: string, cases: TestCase[]): TestCaseRow[] {
  const names = new Set<string>();
  return cases.map((testCase, position) => {
    if (names.has(testCase.name)) {
      throw new DomainError("invalid_script_test_case", `two test cases are named ${JSON.stringify(testCase.name)}`, {
        param: `test_cases[${position}].name`,
      });
    }
    names.add(testCase.name);
    return {
      id: newId("usage_script_test_case"),
      version_id: versionId,
      position,
      name: testCase.name,
      events: testCase.events,
      rates: testCase.rates,
      context: testCase.context ?? null,
      expected: testCase.expected,
    };
  });
}

/** Test results as stored: the actual charges are kept only for failing cases, which is where people look. */
function storedResults(summary: TestRunSummary): TestRunSummary {
  return {
    ...summary,
    results: summary.results.map((result) => (result.passed ? { ...result, charges: [], unrated: [] } : result)),
  };
}

export async function createVersion(
  deps: Deps,
  ctx: RequestContext,
  scriptId: string,
  input: VersionInput,
): Promise<ScriptVersionJson> {
  const id = parseId("usage_script", scriptId, "id");
  const versionId = newId("usage_script_version");
  const cases = caseRows(versionId, input.test_cases ?? []);
  await checkSource(input.source);
  const summary = await runTestCases(input.source, cases.map(testCaseOf));
  return inTransaction(deps.db, async (tx) => {
    if ((await findScriptRow(tx, id, true)) === undefined) throw scriptNotFound(id);
    const at = deps.clock.now();
    const row: VersionRow = {
      id: versionId,
      script_id: id,
      number: await nextVersionNumber(tx, id),
      status: "draft",
      source: input.source,
      notes: input.notes ?? null,
      author: ctx.actor.user_id ?? ctx.actor.id,
      author_name: ctx.actor.display_name ?? null,
      tests_status: summary.status,
      test_results: storedResults(summary),
      tests_run_at: toDate(at),
      effective_from: null,
      approval_id: null,
      published_at: null,
      published_by: null,
      superseded_at: null,
      created_at: toDate(at),
      updated_at: toDate(at),
    };
    await insertVersion(tx, row);
    await replaceTestCases(tx, versionId, cases);
    const after = await versionView(tx, row);
    await audit(
      tx,
      ctx,
      { action: "script_version.created", object_type: "script_version", object_id: versionId, after },
      at,
    );
    return after;
  });
}

export async function updateVersion(
  deps: Deps,
  ctx: RequestContext,
  scriptId: string,
  versionId: string,
  changes: VersionChanges,
): Promise<ScriptVersionJson> {
  const current = await loadVersion(deps.db, scriptId, versionId);
  const storedCases = (await listTestCaseRows(deps.db, current.id)).map(testCaseOf);
  const source = changes.source ?? current.source;
  const cases = caseRows(current.id, changes.test_cases ?? storedCases);
  if (changes.source !== undefined) await checkSource(source);
  const summary = await runTestCases(source, cases.map(testCaseOf));
  return inTransaction(deps.db, async (tx) => {
    const row = await loadVersion(tx, scriptId, versionId, true);
    nextStatus(row.status, "edit");
    if (row.updated_at.getTime() !== current.updated_at.getTime()) {
      throw new DomainError(
        "script_version_changed",
        "the version changed while its tests ran; send the change again",
        { param: "version" },
      );
    }
    const before = await versionView(tx, row);
    const at = deps.clock.now();
    const updated: VersionRow = {
      ...row,
      source,
      notes: changes.notes === undefined ? row.notes : changes.notes,
      tests_status: summary.status,
      test_results: storedResults(summary),
      tests_run_at: toDate(at),
      updated_at: toDate(at),
    };
    const { id: _id, script_id: _script, ...fields } = updated;
    await updateVersionRow(tx, row.id, fields);
    if (changes.test_cases !== undefined) await replaceTestCases(tx, row.id, cases);
    const after = await versionView(tx, updated);
    await audit(
      tx,
      ctx,
      { action: "script_version.updated", object_type: "script_version", object_id: row.id, before, after },
      at,
    );
    return after;
  });
}

export async function deleteVersion(deps: Deps, ctx: RequestContext, scriptId: string, versionId: string) {
  return inTransaction(deps.db, async (tx) => {
    const row = await loadVersion(tx, scriptId, versionId, true);
    nextStatus(row.status, "edit");
    const before = await versionView(tx, row);
    await deleteVersionRow(tx, row.id);
    const at = deps.clock.now();
    await audit(
      tx,
      ctx,
      { action: "script_version.deleted", object_type: "script_version", object_id: row.id, before, after: null },
      at,
    );
    return { object: "script_version" as const, id: row.id, deleted: true as const };
  });
}

/**
 * Runs a version's stored test cases (or, for a draft, the source and cases
 * sent instead, to try a change before saving it). Changes nothing.
 */
export async function testVersion(
  deps: Deps,
  scriptId: string,
  versionId: string,
  trial: VersionChanges = {},
): Promise<TestRunSummary & { object: "script_test_run"; version: string }> {
  const row = await loadVersion(deps.db, scriptId, versionId);
  if ((trial.source !== undefined || trial.test_cases !== undefined) && row.status !== "draft")
    nextStatus(row.status, "edit");
  const cases = trial.test_cases ?? (await listTestCaseRows(deps.db, row.id)).map(testCaseOf);
  const summary = await runTestCases(trial.source ?? row.source, cases);
  return { object: "script_test_run", version: row.id, ...summary };
}
