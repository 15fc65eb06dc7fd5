import { describe, expect, it } from "vitest";
import {
  CREDIT_NOTE_STATUSES,
  INVOICE_STATUSES,
  type InvoiceEvent,
  type InvoiceStatus,
  isInvoiceCreditable,
  isInvoiceEditable,
  transition,
  transitionCreditNote,
} from "./lifecycle.js";

const EVENTS: InvoiceEvent[] = ["finalize", "pay", "void", "mark_uncollectible", "reopen"];

/** The whole table, written out: every status × event, allowed or not. */
const EXPECTED: Record<InvoiceStatus, Partial<Record<InvoiceEvent, InvoiceStatus>>> = {
  draft: { finalize: "open" },
  open: { pay: "paid", void: "void", mark_uncollectible: "uncollectible" },
  uncollectible: { pay: "paid", void: "void" },
  paid: { reopen: "open" },
  void: {},
};

describe("transition (invoices)", () => {
  const cases = INVOICE_STATUSES.flatMap((status) => EVENTS.map((event) => [status, event] as const));
  it.each(cases)("%s + %s", (status, event) => {
    const expected = EXPECTED[status][event];
    if (expected === undefined) {
      expect(() => transition({ status }, event)).toThrow(
        expect.objectContaining({ code: "invoice_transition_invalid" }),
      );
    } else {
      expect(transition({ status }, event)).toBe(expected);
    }
  });

  it("only a draft is editable; void and draft invoices cannot be credited", () => {
    expect(INVOICE_STATUSES.filter(isInvoiceEditable)).toEqual(["draft"]);
    expect(INVOICE_STATUSES.filter(isInvoiceCreditable)).toEqual(["open", "paid", "uncollectible"]);
  });
});

describe("transitionCreditNote", () => {
  it("an issued note can be voided once", () => {
    expect(CREDIT_NOTE_STATUSES).toEqual(["pending_approval", "issued", "void"]);
    expect(transitionCreditNote({ status: "pending_approval" }, "issue")).toBe("issued");
    expect(() => transitionCreditNote({ status: "issued" }, "issue")).toThrow(
      expect.objectContaining({ code: "credit_note_transition_invalid" }),
    );
    expect(transitionCreditNote({ status: "issued" }, "void")).toBe("void");
    expect(() => transitionCreditNote({ status: "void" }, "void")).toThrow(
      expect.objectContaining({ code: "credit_note_transition_invalid" }),
    );
  });
});
