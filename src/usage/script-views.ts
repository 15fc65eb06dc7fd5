import { fromDate } from "../kernel/clock.js";
import type { TestCase } from "./script-model.js";
import type { ScriptRow, TestCaseRow, VersionRow } from "./script-store.js";

/** The JSON shapes of scripts and versions, as the API and the CLI show them. */

const iso = (date: Date | null) => (date === null ? null : fromDate(date).toString());

export function scriptJson(row: ScriptRow) {
  return {
    object: "script" as const,
    id: row.id,
    name: row.name,
    description: row.description,
    currency: row.currency,
    is_default: row.is_default,
    created_at: fromDate(row.created_at).toString(),
    updated_at: fromDate(row.updated_at).toString(),
  };
}

export type ScriptJson = ReturnType<typeof scriptJson>;

export function testCaseOf(row: TestCaseRow): TestCase {
  return {
    name: row.name,
    events: row.events,
    rates: row.rates,
    ...(row.context === null || row.context === undefined ? {} : { context: row.context }),
    expected: row.expected,
  };
}

export function versionJson(row: VersionRow, cases: TestCaseRow[]) {
  return {
    object: "script_version" as const,
    id: row.id,
    script: row.script_id,
    number: row.number,
    status: row.status,
    source: row.source,
    notes: row.notes,
    author: row.author,
    author_name: row.author_name,
    test_cases: cases.map(testCaseOf),
    tests: {
      status: row.tests_status,
      run_at: iso(row.tests_run_at),
      passed: row.test_results?.passed ?? 0,
      failed: row.test_results?.failed ?? 0,
      results: row.test_results?.results ?? [],
    },
    effective_from: iso(row.effective_from),
    approval: row.approval_id,
    published_at: iso(row.published_at),
    published_by: row.published_by,
    superseded_at: iso(row.superseded_at),
    created_at: fromDate(row.created_at).toString(),
    updated_at: fromDate(row.updated_at).toString(),
  };
}

export type ScriptVersionJson = ReturnType<typeof versionJson>;
