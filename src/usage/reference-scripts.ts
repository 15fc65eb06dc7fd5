import { readFileSync } from "node:fs";
import path from "node:path";
import type { TestCase } from "./script-model.js";
import { testCasesInput } from "./script-schemas.js";

/**
 * The reference charge scripts Accrue ships in src/usage/reference: a
 * starting point to copy, the demo company's warehouse script, and what the
 * tests rate with.
 */

const REFERENCE = path.join(import.meta.dirname, "reference");

/** The reference 3PL script (reference/3pl.lua) and its test cases (reference/3pl-cases.json). */
export function reference3plScript(): { source: string; test_cases: TestCase[] } {
  const source = readFileSync(path.join(REFERENCE, "3pl.lua"), "utf8");
  const cases = JSON.parse(readFileSync(path.join(REFERENCE, "3pl-cases.json"), "utf8")) as unknown;
  return { source, test_cases: testCasesInput.parse(cases) as TestCase[] };
}
