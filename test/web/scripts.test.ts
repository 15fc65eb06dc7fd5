import { describe, expect, it } from "vitest";
import { errorLineOf, firstErrorLine, previousMonth, type TestCaseResult } from "../../web/src/scripts.js";

/** The script editor's pure helpers: which line an error names, and the backtest's default period. */

describe("errorLineOf", () => {
  const cases: [string, number | null][] = [
    ["script:14: attempt to perform arithmetic on a nil value (field 'units')", 14],
    ["script_syntax_error: script:3: '}' expected near 'end'", 3], // a compile error as a test case reports it
    ["charge 2 (pick_line): amount: expected 0.90, got 0.60", null],
    ["the script ran past its instruction budget", null],
  ];
  it.each(cases)("%s → %s", (message, line) => expect(errorLineOf(message)).toBe(line));
});

describe("firstErrorLine", () => {
  const result = (overrides: Partial<TestCaseResult>): TestCaseResult => ({
    name: "a case",
    passed: false,
    differences: [],
    charges: [],
    unrated: [],
    ...overrides,
  });
  const unrated = (line: number | null) => ({ transaction_id: "o-1", code: "script_runtime_error", message: "", line });
  const cases: [string, TestCaseResult[], number | null][] = [
    ["every case passes", [result({ passed: true })], null],
    ["an unrated event's line", [result({ unrated: [unrated(6)] })], 6],
    [
      "a line named only in a difference (the script did not compile)",
      [result({ differences: ["script_syntax_error: script:9: x"] })],
      9,
    ],
    ["the first case that names one", [result({ unrated: [unrated(null)] }), result({ unrated: [unrated(4)] })], 4],
  ];
  it.each(cases)("%s", (_name, results, line) => expect(firstErrorLine(results)).toBe(line));
});

describe("previousMonth", () => {
  const cases: [string, { from: string; to: string }][] = [
    ["2026-11-24", { from: "2026-10-01", to: "2026-11-01" }],
    ["2026-01-05", { from: "2025-12-01", to: "2026-01-01" }], // January steps back into last year
    ["2026-03-31", { from: "2026-02-01", to: "2026-03-01" }], // 28-day February, whole
  ];
  it.each(cases)("%s", (today, period) => expect(previousMonth(today)).toEqual(period));
});
