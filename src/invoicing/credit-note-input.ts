import { DomainError } from "../kernel/errors.js";
import type { CreditLineRequest, CreditNoteOutcome, CreditNoteReason, CreditNoteScope } from "./credit-notes.js";

/** A credit note request as the API takes it, turned into the pure core's scope. */

export interface CreditNoteLineInput {
  line: string;
  quantity?: string | undefined;
  amount?: string | undefined;
}

export interface CreditNoteInput {
  invoice: string;
  scope: "whole_invoice" | "lines";
  lines?: CreditNoteLineInput[] | undefined;
  reason: CreditNoteReason;
  outcome: CreditNoteOutcome;
  memo?: string | null | undefined;
}

function lineRequest(line: CreditNoteLineInput, index: number): CreditLineRequest {
  if (line.quantity !== undefined && line.amount !== undefined) {
    throw new DomainError("invalid_credit_note_line", "give a quantity or an amount, not both", {
      param: `lines.${index}.amount`,
    });
  }
  if (line.quantity !== undefined) return { line_id: line.line, type: "quantity", quantity: line.quantity };
  if (line.amount !== undefined) return { line_id: line.line, type: "amount", amount: line.amount };
  return { line_id: line.line, type: "whole_line" };
}

export function scopeFrom(input: CreditNoteInput): CreditNoteScope {
  if (input.scope === "whole_invoice") {
    if (input.lines !== undefined && input.lines.length > 0) {
      throw new DomainError("invalid_credit_note_scope", "a whole-invoice credit note takes no lines", {
        param: "lines",
      });
    }
    return { type: "whole_invoice" };
  }
  if (input.lines === undefined || input.lines.length === 0) {
    throw new DomainError("invalid_credit_note_scope", "name at least one line to credit", { param: "lines" });
  }
  return { type: "lines", lines: input.lines.map(lineRequest) };
}
