import { describe, expect, it } from "vitest";
import { chooseScript, type ScriptChoice, type ScriptChoiceFacts } from "./script-choice-model.js";

describe("which script rates a customer's period", () => {
  const rows: [name: string, facts: ScriptChoiceFacts, expected: ScriptChoice][] = [
    [
      "assigned, with events",
      { assigned: "scr_3pl", default_script: "scr_default", has_events: true },
      { script: "scr_3pl", source: "assigned" },
    ],
    [
      // The assigned script's finalize bills the monthly minimum of a quiet month.
      "assigned, no events",
      { assigned: "scr_3pl", default_script: "scr_default", has_events: false },
      { script: "scr_3pl", source: "assigned" },
    ],
    [
      "assigned, no default script, no events",
      { assigned: "scr_3pl", default_script: null, has_events: false },
      { script: "scr_3pl", source: "assigned" },
    ],
    [
      "unassigned, with events: the default",
      { assigned: null, default_script: "scr_default", has_events: true },
      { script: "scr_default", source: "default" },
    ],
    [
      // A SaaS customer who sends no usage is not rated: no charges, no lines, no run.
      "unassigned, no events: nothing",
      { assigned: null, default_script: "scr_default", has_events: false },
      { script: null, source: "none" },
    ],
    [
      "unassigned, events, no default script: nothing",
      { assigned: null, default_script: null, has_events: true },
      { script: null, source: "none" },
    ],
    [
      "unassigned, no events, no default script: nothing",
      { assigned: null, default_script: null, has_events: false },
      { script: null, source: "none" },
    ],
  ];

  it.each(rows)("%s", (_name, facts, expected) => {
    expect(chooseScript(facts)).toEqual(expected);
  });
});
