import { type Deps, memoize } from "../kernel/deps.js";
import { customerHasEvents, type PeriodKey } from "./charge-store.js";
import { chooseScript, NO_SCRIPT, type ScriptChoice } from "./script-choice-model.js";
import { anyScriptRates, findAssignment, findDefaultScript } from "./script-store.js";

/**
 * The script that rates a customer's usage period (script-choice-model.ts):
 * the billing run, the upcoming invoice, re-rating, late events, backtests
 * and the reconciliation all ask here, so they agree on who is rated.
 */
export async function scriptForPeriod(deps: Deps, period: PeriodKey): Promise<ScriptChoice> {
  // Most books rate no usage by script: one look per memo scope (a billing run's page) settles it.
  if (!(await memoize(deps, "usage.any_script", () => anyScriptRates(deps.db)))) return NO_SCRIPT;
  const assignment = await findAssignment(deps.db, period.customer_id);
  if (assignment !== undefined)
    return chooseScript({ assigned: assignment.script_id, default_script: null, has_events: false });
  const fallback = await memoize(deps, "usage.default_script", () => findDefaultScript(deps.db));
  if (fallback === undefined) return NO_SCRIPT;
  // Only an unassigned customer under a default script needs the events probe.
  return chooseScript({
    assigned: null,
    default_script: fallback.id,
    has_events: await customerHasEvents(deps.db, period),
  });
}
