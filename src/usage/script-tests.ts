import { DomainError } from "../kernel/errors.js";
import { ChargeScript } from "./lua-engine.js";
import {
  type ActualCharge,
  caseContext,
  caseEvents,
  compareWithExpected,
  summarize,
  type TestCase,
  type TestCaseResult,
  type TestRunSummary,
} from "./script-model.js";

/**
 * Runs a version's test cases: each case's events through charge() with the
 * case's rate card, then finalize() over the charges, compared with what the
 * case expects. A script that does not compile fails every case with the
 * compiler's message.
 */

function failedCase(name: string, message: string): TestCaseResult {
  return { name, passed: false, differences: [message], charges: [], unrated: [] };
}

function runCase(script: ChargeScript, testCase: TestCase): TestCaseResult {
  const context = caseContext(testCase);
  let rates: ReturnType<ChargeScript["loadRates"]>;
  try {
    rates = script.loadRates(testCase.rates);
  } catch (error) {
    return failedCase(testCase.name, `rates: ${(error as Error).message}`);
  }
  try {
    const rated = script.rate(caseEvents(testCase), rates, context);
    const charges: ActualCharge[] = rated.charges.map(({ event_index: _index, ...charge }) => charge);
    const finalized = script.finalize(rated.charges, rates, context);
    for (const charge of finalized.charges) {
      const { minimum: _minimum, ...rest } = charge;
      charges.push({ ...rest, transaction_id: null });
    }
    const unrated = rated.unrated.map(({ transaction_id, code, message, line }) => ({
      transaction_id,
      code,
      message,
      line,
    }));
    if (finalized.error !== null) unrated.push({ transaction_id: "finalize", ...finalized.error });
    return compareWithExpected(testCase, charges, unrated);
  } catch (error) {
    if (error instanceof DomainError) return failedCase(testCase.name, error.message);
    throw error;
  } finally {
    script.releaseRates(rates);
  }
}

/** Compiles the source and lets it go: a syntax error, a missing charge() or a failing main chunk is thrown. */
export async function checkSource(source: string): Promise<void> {
  (await ChargeScript.compile(source)).close();
}

export async function runTestCases(source: string, cases: readonly TestCase[]): Promise<TestRunSummary> {
  let script: ChargeScript;
  try {
    script = await ChargeScript.compile(source);
  } catch (error) {
    if (!(error instanceof DomainError)) throw error;
    return summarize(cases.map((testCase) => failedCase(testCase.name, `${error.code}: ${error.message}`)));
  }
  try {
    return summarize(cases.map((testCase) => runCase(script, testCase)));
  } finally {
    script.close();
  }
}
