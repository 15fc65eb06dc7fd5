import { assertNever, DomainError } from "../kernel/errors.js";
import { currencyMinorUnits, Decimal, roundToMinor } from "../kernel/money.js";
import type { Plain } from "./lua-marshal.js";
import type { RatingContext, RatingEvent, ScriptCharge, UnratedEvent } from "./lua-types.js";
import { exactAmountText } from "./rating-model.js";

/**
 * Charge-script versions and their test cases, as plain data and pure
 * decisions: the version states, what a test case holds, and how a run's
 * charges are compared with the expected ones. No I/O here.
 */

export type ScriptVersionStatus = "draft" | "pending_approval" | "published" | "superseded";

/** What may happen to a version in each state. */
export type ScriptVersionAction = "edit" | "request_publish" | "approve" | "reject" | "supersede";

const ALLOWED: Readonly<Record<ScriptVersionStatus, readonly ScriptVersionAction[]>> = {
  draft: ["edit", "request_publish"],
  pending_approval: ["approve", "reject"],
  published: ["supersede"],
  superseded: [],
};

export function nextStatus(status: ScriptVersionStatus, action: ScriptVersionAction): ScriptVersionStatus {
  if (!ALLOWED[status].includes(action)) {
    const code = status === "pending_approval" ? "script_version_pending_approval" : "script_version_not_draft";
    throw new DomainError(code, `a ${status.replace("_", " ")} script version cannot ${action.replace("_", " ")}`, {
      param: "id",
      details: { status },
    });
  }
  switch (action) {
    case "edit":
      return "draft";
    case "request_publish":
      return "pending_approval";
    case "approve":
      return "published";
    case "reject":
      return "draft";
    case "supersede":
      return "superseded";
    default:
      return assertNever(action, "script version action");
  }
}

export interface ExpectedCharge {
  transaction_id?: string | undefined;
  code: string;
  quantity: string;
  unit_price: string;
  amount: string;
  dimensions?: Record<string, string> | undefined;
}

export interface TestCaseEvent {
  transaction_id?: string | undefined;
  type: string;
  timestamp: string;
  properties: Record<string, Plain>;
}

export interface TestCase {
  name: string;
  events: TestCaseEvent[];
  rates: Record<string, string>;
  context?:
    | {
        currency?: string | undefined;
        time_zone?: string | undefined;
        period_start?: string | undefined;
        period_end?: string | undefined;
      }
    | undefined;
  expected: {
    /** Every charge, in order: the events' charges, then finalize's. */
    charges: ExpectedCharge[];
    unrated?: { transaction_id: string; code: string }[] | undefined;
  };
}

export const TEST_CASE_CUSTOMER = "test-customer";

/** The events of a case as the engine rates them; transaction ids default to their position. */
export function caseEvents(testCase: TestCase): RatingEvent[] {
  return testCase.events.map((event, index) => ({
    transaction_id: event.transaction_id ?? `event-${index + 1}`,
    type: event.type,
    timestamp: event.timestamp,
    customer: TEST_CASE_CUSTOMER,
    properties: event.properties,
  }));
}

/** The period defaults to the UTC calendar month of the case's first event. */
export function caseContext(testCase: TestCase): RatingContext {
  const first = testCase.events[0]?.timestamp ?? "2026-01-01T00:00:00Z";
  const month = first.slice(0, 7);
  const [year, monthNumber] = month.split("-").map(Number) as [number, number];
  const next = monthNumber === 12 ? `${year + 1}-01` : `${year}-${String(monthNumber + 1).padStart(2, "0")}`;
  return {
    customer: TEST_CASE_CUSTOMER,
    currency: testCase.context?.currency ?? "USD",
    time_zone: testCase.context?.time_zone ?? "UTC",
    period_start: testCase.context?.period_start ?? `${month}-01T00:00:00Z`,
    period_end: testCase.context?.period_end ?? `${next}-01T00:00:00Z`,
  };
}

export interface ActualCharge extends ScriptCharge {
  transaction_id: string | null;
}

export interface TestCaseResult {
  name: string;
  passed: boolean;
  /** One line per difference, for people: "charge 2 (pick_line): amount: expected 0.90, got 0.60". */
  differences: string[];
  charges: ActualCharge[];
  unrated: Pick<UnratedEvent, "transaction_id" | "code" | "message" | "line">[];
}

function sameDecimal(a: string, b: string): boolean {
  try {
    return new Decimal(a).equals(b);
  } catch {
    return false;
  }
}

/**
 * A charge's quantity, unit price and amount are exact (12.37 × 0.08 =
 * 0.9896), and a case states them exactly: "0.99" is not 0.9896. Only the
 * invoice line rounds, so a case that accepted any figure within half a cent
 * would also pass a script that charged 0.9949. The difference shows the
 * exact figure to paste, and for an amount the cent it rounds to alone.
 */
export function fieldDifference(
  field: "quantity" | "unit_price" | "amount",
  actual: string,
  expected: string,
  currency: string,
): string | null {
  if (sameDecimal(actual, expected)) return null;
  if (field !== "amount") return `${field}: expected ${expected}, got ${actual}`;
  const exact = new Decimal(actual);
  const shown = exactAmountText(exact, currency);
  const rounded = roundToMinor(exact, currency);
  const note = rounded.equals(exact)
    ? ""
    : ` (rounded on the invoice line: ${rounded.toFixed(currencyMinorUnits(currency))})`;
  return `amount: expected ${expected}, got ${shown}${note}`;
}

function chargeDifferences(index: number, actual: ActualCharge, expected: ExpectedCharge, currency: string): string[] {
  const label = `charge ${index + 1} (${expected.code})`;
  const found: string[] = [];
  if (actual.code !== expected.code) found.push(`${label}: code ${actual.code}, expected ${expected.code}`);
  if (expected.transaction_id !== undefined && actual.transaction_id !== expected.transaction_id) {
    found.push(`${label}: from event ${actual.transaction_id ?? "finalize"}, expected ${expected.transaction_id}`);
  }
  for (const field of ["quantity", "unit_price", "amount"] as const) {
    const difference = fieldDifference(field, actual[field], expected[field], currency);
    if (difference !== null) found.push(`${label}: ${difference}`);
  }
  if (expected.dimensions !== undefined) {
    const want = JSON.stringify(Object.entries(expected.dimensions).sort());
    const got = JSON.stringify(Object.entries(actual.dimensions).sort());
    if (want !== got) found.push(`${label}: dimensions ${got}, expected ${want}`);
  }
  return found;
}

/** Compares a run with what the case expects; charges in order, unrated events by transaction id and code. */
export function compareWithExpected(
  testCase: TestCase,
  charges: ActualCharge[],
  unrated: TestCaseResult["unrated"],
): TestCaseResult {
  const differences: string[] = [];
  const expected = testCase.expected.charges;
  const count = Math.max(expected.length, charges.length);
  for (let i = 0; i < count; i++) {
    const want = expected[i];
    const got = charges[i];
    if (want === undefined && got !== undefined) {
      const amount = exactAmountText(new Decimal(got.amount), caseContext(testCase).currency);
      differences.push(`charge ${i + 1} (${got.code}): not expected (quantity ${got.quantity}, amount ${amount})`);
    } else if (want !== undefined && got === undefined) {
      differences.push(`charge ${i + 1} (${want.code}): expected, not charged`);
    } else if (want !== undefined && got !== undefined) {
      differences.push(...chargeDifferences(i, got, want, caseContext(testCase).currency));
    }
  }
  const wantUnrated = (testCase.expected.unrated ?? []).map((u) => `${u.transaction_id}:${u.code}`).sort();
  const gotUnrated = unrated.map((u) => `${u.transaction_id}:${u.code}`).sort();
  if (JSON.stringify(wantUnrated) !== JSON.stringify(gotUnrated)) {
    const detail = unrated.map((u) => `${u.transaction_id} ${u.code}: ${u.message}`).join("; ");
    differences.push(
      `unrated events ${JSON.stringify(gotUnrated)}, expected ${JSON.stringify(wantUnrated)}${detail ? ` (${detail})` : ""}`,
    );
  }
  return { name: testCase.name, passed: differences.length === 0, differences, charges, unrated };
}

export interface TestRunSummary {
  status: "none" | "passing" | "failing";
  passed: number;
  failed: number;
  results: TestCaseResult[];
}

export function summarize(results: TestCaseResult[]): TestRunSummary {
  const failed = results.filter((result) => !result.passed).length;
  return {
    status: results.length === 0 ? "none" : failed === 0 ? "passing" : "failing",
    passed: results.length - failed,
    failed,
    results,
  };
}
