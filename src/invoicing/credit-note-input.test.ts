import { describe, expect, it } from "vitest";
import { type CreditNoteInput, scopeFrom } from "./credit-note-input.js";

const base: CreditNoteInput = { invoice: "inv_x", scope: "lines", reason: "goodwill", outcome: "credit_balance" };

describe("scopeFrom", () => {
  it.each([
    ["whole invoice", { ...base, scope: "whole_invoice" }, { type: "whole_invoice" }],
    ["whole invoice, empty lines", { ...base, scope: "whole_invoice", lines: [] }, { type: "whole_invoice" }],
    [
      "a whole line, a quantity and an amount",
      { ...base, lines: [{ line: "il_a" }, { line: "il_b", quantity: "3" }, { line: "il_c", amount: "50.00" }] },
      {
        type: "lines",
        lines: [
          { line_id: "il_a", type: "whole_line" },
          { line_id: "il_b", type: "quantity", quantity: "3" },
          { line_id: "il_c", type: "amount", amount: "50.00" },
        ],
      },
    ],
  ] as [string, CreditNoteInput, unknown][])("%s", (_name, input, scope) => {
    expect(scopeFrom(input)).toEqual(scope);
  });

  it.each([
    ["lines without any line", { ...base }, "invalid_credit_note_scope", "lines"],
    ["lines, empty", { ...base, lines: [] }, "invalid_credit_note_scope", "lines"],
    [
      "whole invoice with lines",
      { ...base, scope: "whole_invoice", lines: [{ line: "il_a" }] },
      "invalid_credit_note_scope",
      "lines",
    ],
    [
      "quantity and amount on one line",
      { ...base, lines: [{ line: "il_a" }, { line: "il_b", quantity: "1", amount: "1" }] },
      "invalid_credit_note_line",
      "lines.1.amount",
    ],
  ] as [string, CreditNoteInput, string, string][])("refuses %s", (_name, input, code, param) => {
    expect(() => scopeFrom(input)).toThrow(expect.objectContaining({ code, param }));
  });
});
