import { describe, expect, it } from "vitest";
import { Decimal } from "../kernel/money.js";
import {
  buildCreditNote,
  type CreditableInvoice,
  type CreditLineRequest,
  type CreditNoteFigures,
  type CreditNoteRequest,
} from "./credit-notes.js";

const d = (text: string) => new Decimal(text);

/** 10 seats × 30.00 and onboarding 500.00, VAT 20 %: 300.00 + 60.00 + 500.00 + 100.00 = 960.00. */
const INVOICE: CreditableInvoice = {
  status: "open",
  currency: "EUR",
  amount_due_remaining: d("960"),
  lines: [
    {
      id: "line_seats",
      product_id: "prod_seats",
      description: "Seats",
      quantity: d("10"),
      net_amount: d("300"),
      tax_amount: d("60"),
    },
    {
      id: "line_onboarding",
      product_id: "prod_onb",
      description: "Onboarding",
      quantity: d("1"),
      net_amount: d("500"),
      tax_amount: d("100"),
    },
  ],
  credited: [],
};

const request = (
  lines: CreditLineRequest[],
  outcome: CreditNoteRequest["outcome"] = "reduce_amount_due",
): CreditNoteRequest => ({
  scope: { type: "lines", lines },
  reason: "order_change",
  outcome,
  memo: null,
});

const shown = (note: CreditNoteFigures) => ({
  lines: note.lines.map((line) => `${line.line_id}:${line.net_amount}+${line.tax_amount}`),
  total: note.total.toString(),
});

describe("buildCreditNote: partial credit notes", () => {
  it.each([
    [
      "3 of 10 seats",
      INVOICE,
      [{ line_id: "line_seats", type: "quantity", quantity: "3" }],
      ["line_seats:90+18"], // 300.00 × 3 / 10 = 90.00; tax 60.00 × 90 / 300 = 18.00
      "108", // 90.00 + 18.00
    ],
    [
      "100.00 of the onboarding fee",
      INVOICE,
      [{ line_id: "line_onboarding", type: "amount", amount: "100.00" }],
      ["line_onboarding:100+20"], // tax 100.00 × 100 / 500 = 20.00
      "120",
    ],
    [
      "the rest of the seats after 3 were credited",
      { ...INVOICE, credited: [{ line_id: "line_seats", net_amount: d("90"), tax_amount: d("18") }] },
      [{ line_id: "line_seats", type: "whole_line" }],
      ["line_seats:210+42"], // 300.00 − 90.00; 60.00 − 18.00
      "252",
    ],
  ] as const)("%s", (_name, invoice, lines, expectedLines, total) => {
    const note = buildCreditNote(invoice, request([...lines]));
    expect(shown(note)).toEqual({ lines: expectedLines, total });
  });

  it("a line credited in three parts ends with its tax exactly credited", () => {
    const line = {
      id: "l",
      product_id: null,
      description: "Fee",
      quantity: d("1"),
      net_amount: d("10"),
      tax_amount: d("1.90"),
    };
    let invoice: CreditableInvoice = { ...INVOICE, lines: [line], amount_due_remaining: d("11.90") };
    const taxes: string[] = [];
    const parts: CreditLineRequest[] = [
      { line_id: "l", type: "amount", amount: "3.33" },
      { line_id: "l", type: "amount", amount: "3.33" },
      { line_id: "l", type: "whole_line" },
    ];
    for (const part of parts) {
      const note = buildCreditNote(invoice, request([part], "credit_balance"));
      const [credited] = note.lines;
      if (credited === undefined) throw new Error("no line");
      taxes.push(`${credited.net_amount}+${credited.tax_amount}`);
      invoice = { ...invoice, credited: [...invoice.credited, credited] };
    }
    expect(taxes).toEqual([
      "3.33+0.63", // 1.90 × 3.33 / 10 = 0.6327 → 0.63
      "3.33+0.63",
      "3.34+0.64", // what is left: 10.00 − 6.66 and 1.90 − 1.26, not 1.90 × 3.34 / 10 = 0.6346 → 0.63
    ]);
  });

  it("the whole invoice credits everything left on it", () => {
    const invoice = {
      ...INVOICE,
      credited: [{ line_id: "line_onboarding", net_amount: d("100"), tax_amount: d("20") }],
    };
    const note = buildCreditNote(invoice, {
      scope: { type: "whole_invoice" },
      reason: "duplicate",
      outcome: "credit_balance",
      memo: null,
    });
    expect(shown(note)).toEqual({
      lines: ["line_seats:300+60", "line_onboarding:400+80"], // 500.00 − 100.00; 100.00 − 20.00
      total: "840", // 960.00 − 120.00 already credited
    });
  });
});

describe("buildCreditNote: refusals", () => {
  const afterThreeSeats = {
    ...INVOICE,
    credited: [{ line_id: "line_seats", net_amount: d("90"), tax_amount: d("18") }],
  };
  it.each([
    [
      "more than is left on a line",
      afterThreeSeats,
      request([{ line_id: "line_seats", type: "amount", amount: "210.01" }]),
      "credit_note_exceeds_invoice",
    ], // 300.00 − 90.00 = 210.00 left
    [
      "more units than the line has",
      INVOICE,
      request([{ line_id: "line_seats", type: "quantity", quantity: "11" }]),
      "credit_note_exceeds_invoice",
    ],
    [
      "the same line twice past its amount",
      INVOICE,
      request([
        { line_id: "line_onboarding", type: "amount", amount: "300" },
        { line_id: "line_onboarding", type: "amount", amount: "200.01" }, // 500.00 − 300.00 = 200.00 left
      ]),
      "credit_note_exceeds_invoice",
    ],
    [
      "a negative amount",
      INVOICE,
      request([{ line_id: "line_seats", type: "amount", amount: "-1" }]),
      "credit_note_exceeds_invoice",
    ],
    [
      "reducing more than is still due",
      { ...INVOICE, amount_due_remaining: d("100") },
      request([{ line_id: "line_onboarding", type: "amount", amount: "100" }]), // 100.00 + 20.00 tax > 100.00 due
      "credit_note_exceeds_amount_due",
    ],
    [
      "a draft",
      { ...INVOICE, status: "draft" as const },
      request([{ line_id: "line_seats", type: "whole_line" }]),
      "credit_note_invoice_not_finalized",
    ],
    [
      "a void invoice",
      { ...INVOICE, status: "void" as const },
      request([{ line_id: "line_seats", type: "whole_line" }]),
      "credit_note_invoice_not_finalized",
    ],
    [
      "a line from another invoice",
      INVOICE,
      request([{ line_id: "line_x", type: "whole_line" }]),
      "credit_note_line_not_found",
    ],
    ["nothing", INVOICE, request([]), "credit_note_empty"],
    [
      "more decimals than the currency has",
      INVOICE,
      request([{ line_id: "line_seats", type: "amount", amount: "1.005" }]),
      "invalid_amount",
    ],
  ] as const)("%s", (_name, invoice, req, code) => {
    expect(() => buildCreditNote(invoice, req)).toThrow(expect.objectContaining({ code }));
  });

  it("a refund may exceed what is still due: the invoice was paid", () => {
    const paid = { ...INVOICE, status: "paid" as const, amount_due_remaining: d("0") };
    const note = buildCreditNote(paid, {
      ...request([{ line_id: "line_seats", type: "whole_line" }], "refund"),
      reason: "product_unsatisfactory",
    });
    expect(note.total.toString()).toBe("360"); // 300.00 + 60.00
  });
});
