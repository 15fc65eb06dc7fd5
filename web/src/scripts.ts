/**
 * Shapes of charge scripts, their versions, test cases, test runs and
 * backtests as the API sends them, and the small pure helpers the script
 * screens share. Quantities and amounts are decimal strings.
 */

export type ScriptVersionStatus = "draft" | "pending_approval" | "published" | "superseded";
export type TestsStatus = "none" | "passing" | "failing";

export interface Script {
  object: "script";
  id: string;
  name: string;
  description: string | null;
  currency: string | null;
  is_default: boolean;
  created_at: string;
  updated_at: string;
}

export interface ScriptVersionSummary {
  id: string;
  number: number;
  status: ScriptVersionStatus;
  tests_status: TestsStatus;
  effective_from: string | null;
}

export interface ScriptWithVersions extends Script {
  versions: ScriptVersionSummary[];
}

export interface ExpectedCharge {
  transaction_id?: string;
  code: string;
  quantity: string;
  unit_price: string;
  amount: string;
  dimensions?: Record<string, string>;
}

export interface TestCaseEvent {
  transaction_id?: string;
  type: string;
  timestamp: string;
  properties: Record<string, unknown>;
}

export interface TestCase {
  name: string;
  events: TestCaseEvent[];
  rates: Record<string, string>;
  context?: { currency?: string; time_zone?: string; period_start?: string; period_end?: string };
  expected: { charges: ExpectedCharge[]; unrated?: { transaction_id: string; code: string }[] };
}

export interface ActualCharge {
  transaction_id: string | null;
  code: string;
  description?: string | null;
  quantity: string;
  unit_price: string;
  amount: string;
  dimensions: Record<string, string>;
}

export interface UnratedInCase {
  transaction_id: string;
  code: string;
  message: string;
  line: number | null;
}

export interface TestCaseResult {
  name: string;
  passed: boolean;
  differences: string[];
  charges: ActualCharge[];
  unrated: UnratedInCase[];
}

export interface TestRun {
  status: TestsStatus;
  passed: number;
  failed: number;
  results: TestCaseResult[];
}

export interface ScriptVersion {
  object: "script_version";
  id: string;
  script: string;
  number: number;
  status: ScriptVersionStatus;
  source: string;
  notes: string | null;
  author: string;
  author_name: string | null;
  test_cases: TestCase[];
  tests: TestRun & { run_at: string | null };
  effective_from: string | null;
  approval: string | null;
  published_at: string | null;
  published_by: string | null;
  superseded_at: string | null;
  created_at: string;
  updated_at: string;
}

export interface ScriptPublishRequest {
  object: "script_publish_request";
  version: ScriptVersion;
  approval: { object: "approval"; id: string; status: string; summary: string };
}

export interface ChargeScriptAssignment {
  object: "charge_script_assignment";
  customer: string;
  script: string | null;
  source: "assigned" | "default" | "none";
}

export const scriptPath = (id: string) => `/v1/scripts/${encodeURIComponent(id)}`;
export const versionPath = (script: string, version: string) =>
  `${scriptPath(script)}/versions/${encodeURIComponent(version)}`;

export const VERSION_LABELS: Record<ScriptVersionStatus, string> = {
  draft: "Draft",
  pending_approval: "Waiting for approval",
  published: "Published",
  superseded: "Superseded",
};

export const VERSION_COLORS: Record<ScriptVersionStatus, string> = {
  draft: "gray",
  pending_approval: "yellow",
  published: "teal",
  superseded: "dark",
};

/** The version that rates events now: the published one (a script has at most one). */
export function publishedVersion(versions: readonly ScriptVersionSummary[]): ScriptVersionSummary | undefined {
  return versions.find((version) => version.status === "published");
}

/** The line a Lua error names: the sandbox reports errors as "script:14: attempt to …". */
export function errorLineOf(message: string): number | null {
  const match = /script:(\d+):/.exec(message);
  return match === null ? null : Number(match[1]);
}

/** The first line a failing run points at: an unrated event's line, else one named in a difference. */
export function firstErrorLine(results: readonly TestCaseResult[]): number | null {
  for (const result of results) {
    for (const unrated of result.unrated) if (unrated.line !== null) return unrated.line;
    for (const difference of result.differences) {
      const line = errorLineOf(difference);
      if (line !== null) return line;
    }
  }
  return null;
}

/** A script's first draft: a charge() that bills nothing, with a comment on what it receives. */
export const STARTER_SOURCE = `-- charge(event, rates, ctx) is called once per event and returns
-- nil, one charge, or a list of charges: { code, quantity, unit_price, description, dimensions }.
function charge(event, rates, ctx)
  return nil
end
`;

// ---------------------------------------------------------------------------
// Backtests: a version rated over a past period's events, against what the versions in force billed.

export interface BacktestFigures {
  quantity: string;
  amount: string;
}

export interface BacktestRow {
  /** From 1, in the order customer, code, dimensions: the cursor for the next page. */
  position: number;
  customer: string;
  customer_external_id: string | null;
  currency: string;
  code: string;
  dimensions: Record<string, string>;
  before: BacktestFigures;
  after: BacktestFigures;
  difference: BacktestFigures;
}

interface BacktestSideError {
  code: string;
  message: string;
  line: number | null;
  version: number | null;
}

/** An event (or a period's finalize, with no transaction id) that one side or both could not rate. */
export interface BacktestError {
  customer: string;
  transaction_id: string | null;
  timestamp: string | null;
  before: BacktestSideError | null;
  after: BacktestSideError | null;
}

export interface BacktestSummary {
  customers: number;
  events: number;
  unrated_before: number;
  unrated_after: number;
  rows: number;
  rows_changed: number;
  totals: { currency: string; amount_before: string; amount_after: string; amount_difference: string }[];
}

export interface Backtest {
  object: "script_backtest";
  id: string;
  script: string;
  version: string;
  version_number: number | null;
  period_start: string;
  period_end: string;
  customer: string | null;
  created_at: string;
  summary: BacktestSummary;
  /** The first page of rows (a later page comes from GET /v1/scripts/backtests/{id}?starting_after=). */
  rows: { object: "list"; data: BacktestRow[]; has_more: boolean };
  errors: BacktestError[];
}

/** Appends a later page of rows to the backtest already on screen. */
export function withMoreRows(shown: Backtest, page: Backtest): Backtest {
  return { ...shown, rows: { ...page.rows, data: [...shown.rows.data, ...page.rows.data] } };
}

/** The calendar month before `today` (YYYY-MM-DD), as the dates a backtest's period starts and ends on. */
export function previousMonth(today: string): { from: string; to: string } {
  const [year, month] = today.split("-").map(Number) as [number, number];
  const start = month === 1 ? { year: year - 1, month: 12 } : { year, month: month - 1 };
  const pad = (value: number) => String(value).padStart(2, "0");
  return { from: `${start.year}-${pad(start.month)}-01`, to: `${year}-${pad(month)}-01` };
}
