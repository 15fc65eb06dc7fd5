/**
 * Which charge script rates a customer's usage period. A script assigned to
 * the customer rates every period, events or not, so its `finalize` (a
 * monthly minimum) bills a quiet month too. The default script is a
 * catch-all for customers who send usage without an assignment: it rates an
 * unassigned customer only in a period with at least one event, so a
 * customer who never sends usage (a SaaS seat customer) is never billed a
 * warehouse's monthly minimum. Pure: the facts are read by script-choice.ts.
 */

export type ScriptChoice = { script: string; source: "assigned" | "default" } | { script: null; source: "none" };

export interface ScriptChoiceFacts {
  /** The script assigned to the customer, if any. */
  assigned: string | null;
  /** The default script, if one is marked default. */
  default_script: string | null;
  /** Whether the customer has at least one stored event in the period. */
  has_events: boolean;
}

export const NO_SCRIPT: ScriptChoice = { script: null, source: "none" };

export function chooseScript(facts: ScriptChoiceFacts): ScriptChoice {
  if (facts.assigned !== null) return { script: facts.assigned, source: "assigned" };
  if (facts.default_script !== null && facts.has_events) return { script: facts.default_script, source: "default" };
  return NO_SCRIPT;
}
