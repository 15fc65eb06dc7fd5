import { Temporal } from "temporal-polyfill";
import { describe, expect, it } from "vitest";
import {
  type AssembledInvoice,
  assembleInvoice,
  type InvoiceAssemblyInput,
  type InvoiceLineInput,
} from "./assembly.js";
import type { Coupon, Discount } from "./discounts.js";
import type { TaxTreatment } from "./tax.js";

const MARCH = {
  start: Temporal.Instant.from("2026-03-01T00:00:00Z"),
  end: Temporal.Instant.from("2026-04-01T00:00:00Z"),
};

const line = (quantity: string, unit_price: string, extra: Partial<InvoiceLineInput> = {}): InvoiceLineInput => ({
  description: "Seats",
  period: MARCH,
  quantity,
  unit_price,
  proration: false,
  source: { type: "subscription", subscription_id: "sub_1", price_id: "price_1" },
  product_id: "prod_1",
  ...extra,
});

const vat = (percentage: string, id = `vat_${percentage}`): TaxTreatment => ({
  kind: "standard",
  rate: { id, country: "DE", region: null, percentage, name: "VAT", effective_from: "2021-01-01", effective_to: null },
});
const EXEMPT: TaxTreatment = { kind: "exempt", certificate_reference: "EX-1" };

const coupon = (value: Coupon["value"], duration: Coupon["duration"] = { type: "forever" }): Coupon => ({
  id: "coupon_1",
  name: "Launch",
  value,
  duration,
  max_redemptions: null,
  redeem_by: null,
});
const onCustomer = (c: Coupon, periods_applied = 0): Discount => ({
  coupon: c,
  scope: { type: "customer" },
  periods_applied,
});

const assemble = (input: Partial<InvoiceAssemblyInput> & Pick<InvoiceAssemblyInput, "lines">) =>
  assembleInvoice({
    currency: "EUR",
    discounts: [],
    tax: EXEMPT,
    prices_include_tax: false,
    credit_balance: "0",
    ...input,
  });

/** The figures as text, so a table row reads like the invoice. */
function figures(invoice: AssembledInvoice) {
  return {
    lines: invoice.lines.map((l) => `${l.amount}-${l.discount_amount}=${l.net_amount}+${l.tax_amount}`),
    subtotal: invoice.subtotal.toString(),
    discount: invoice.discount_total.toString(),
    tax: invoice.tax.toString(),
    total: invoice.total.toString(),
    credit_applied: invoice.credit_applied.toString(),
    credit_added: invoice.credit_added.toString(),
    amount_due: invoice.amount_due.toString(),
  };
}

describe("assembleInvoice: rounding per currency", () => {
  it("JPY has no minor unit", () => {
    const invoice = assemble({ currency: "JPY", lines: [line("3", "333.5")], tax: vat("10") });
    expect(figures(invoice)).toMatchObject({
      lines: ["1001-0=1001+100"], // 3 × 333.5 = 1000.5 → 1001 (half up); 1001 × 10 % = 100.1 → 100
      total: "1101", // 1001 + 100
    });
  });

  it("BHD has three decimals", () => {
    const invoice = assemble({ currency: "BHD", lines: [line("7", "1.23456")], tax: vat("10") });
    expect(figures(invoice)).toMatchObject({
      lines: ["8.642-0=8.642+0.864"], // 7 × 1.23456 = 8.64192 → 8.642; 8.642 × 10 % = 0.8642 → 0.864
      total: "9.506", // 8.642 + 0.864
    });
  });

  it("a unit price with 12 decimals is rounded once, at the line", () => {
    const invoice = assemble({ currency: "USD", lines: [line("1234567", "0.000420000001")] });
    expect(invoice.lines[0]?.amount.toString()).toBe("518.52"); // 1,234,567 × 0.000420000001 = 518.518141234567 → 518.52
  });
});

describe("assembleInvoice: tax", () => {
  it("backs the tax out of tax-inclusive prices, per line", () => {
    const invoice = assemble({
      lines: [line("1", "9.99"), line("2", "9.99")],
      tax: vat("19"),
      prices_include_tax: true,
    });
    expect(figures(invoice)).toMatchObject({
      lines: [
        "9.99-0=8.39+1.6", // 9.99 × 19 / 119 = 1.59504… → 1.60; 9.99 − 1.60 = 8.39
        "19.98-0=16.79+3.19", // 2 × 9.99 = 19.98; 19.98 × 19 / 119 = 3.19008… → 3.19; 19.98 − 3.19
      ],
      tax: "4.79", // 1.60 + 3.19
      total: "29.97", // 8.39 + 16.79 + 4.79: exactly the prices the customer saw
    });
  });

  it("EU reverse charge: no VAT, with the breakdown saying why", () => {
    const invoice = assemble({ lines: [line("10", "100")], tax: { kind: "reverse_charge" } });
    expect(figures(invoice)).toMatchObject({ tax: "0", total: "1000" }); // 10 × 100.00, no VAT charged
    expect(invoice.tax_breakdown).toEqual([
      expect.objectContaining({ kind: "reverse_charge", name: "Reverse charge", tax_amount: expect.anything() }),
    ]);
    expect(invoice.tax_breakdown[0]?.taxable_amount.toString()).toBe("1000");
  });

  it("the breakdown by rate sums the lines' rounded taxes", () => {
    const invoice = assemble({ lines: [line("1", "0.05"), line("1", "0.05"), line("1", "0.05")], tax: vat("10") });
    // each line: 0.05 × 10 % = 0.005 → 0.01; three lines → 0.03 (per-invoice rounding would give 0.015 → 0.02)
    expect(invoice.tax_breakdown[0]?.tax_amount.toString()).toBe("0.03");
    expect(invoice.total.toString()).toBe("0.18"); // 0.15 + 0.03
  });
});

describe("assembleInvoice: tax breakdown by rate", () => {
  it("a line with its own rate gets its own row; the total is still lines + rounded tax", () => {
    const books = line("3", "12.99", { description: "Handbook", tax: vat("7", "vat_7") });
    const invoice = assemble({ lines: [line("1", "100"), books, line("1", "0.10")], tax: vat("19", "vat_19") });
    expect(invoice.tax_breakdown.map((row) => `${row.tax_rate_id}:${row.taxable_amount}:${row.tax_amount}`)).toEqual([
      "vat_19:100.1:19.02", // 100.00 × 19 % = 19.00; 0.10 × 19 % = 0.019 → 0.02; 19.00 + 0.02
      "vat_7:38.97:2.73", // 3 × 12.99 = 38.97; × 7 % = 2.7279 → 2.73
    ]);
    expect(invoice.total.toString()).toBe("160.82"); // 100.00 + 38.97 + 0.10 + 19.02 + 2.73
  });
});

describe("assembleInvoice: discounts", () => {
  it("a coupon for 3 months reduces three invoices, then stops", () => {
    const threeMonths = coupon({ type: "percent", percent_off: "20" }, { type: "repeating", periods: 3 });
    const totals = [0, 1, 2, 3].map((periods) =>
      assemble({ lines: [line("1", "49")], discounts: [onCustomer(threeMonths, periods)] }).total.toString(),
    );
    expect(totals).toEqual([
      "39.2", // month 1: 49.00 − 20 % × 49.00 (9.80)
      "39.2", // month 2
      "39.2", // month 3
      "49", // month 4: the coupon has run out
    ]);
  });

  it("a fixed discount is allocated over 3 lines and its parts sum exactly", () => {
    const tenOff = coupon({ type: "fixed", amount_off: "10.00", currency: "EUR" });
    const invoice = assemble({
      lines: [line("1", "10"), line("1", "10"), line("1", "10")],
      discounts: [onCustomer(tenOff)],
    });
    expect(figures(invoice)).toMatchObject({
      // 10.00 / 3 = 3.333…: floors 3.33 each leave 0.01, which goes to the first line (earliest wins a tie)
      lines: ["10-3.34=6.66+0", "10-3.33=6.67+0", "10-3.33=6.67+0"],
      discount: "10", // 3.34 + 3.33 + 3.33
      total: "20", // 30.00 − 10.00
    });
  });

  it("percent goes before fixed, and a subscription coupon only touches its subscription's lines", () => {
    const other = line("1", "50", { source: { type: "subscription", subscription_id: "sub_2", price_id: "p" } });
    const discounts: Discount[] = [
      {
        coupon: coupon({ type: "fixed", amount_off: "5", currency: "EUR" }),
        scope: { type: "customer" },
        periods_applied: 0,
      },
      {
        coupon: coupon({ type: "percent", percent_off: "10" }),
        scope: { type: "subscription", subscription_id: "sub_1" },
        periods_applied: 0,
      },
    ];
    const invoice = assemble({ lines: [line("1", "100"), other], discounts });
    expect(figures(invoice)).toMatchObject({
      // 10 % of sub_1's 100.00 = 10.00 first; then 5.00 over what is left (90.00 : 50.00) → 3.214… : 1.785… → 3.21 : 1.79
      lines: ["100-13.21=86.79+0", "50-1.79=48.21+0"],
      total: "135", // 150.00 − 10.00 − 5.00
    });
  });

  it("a fixed discount larger than the invoice is capped at it: a $0 invoice is still an invoice", () => {
    const big = coupon({ type: "fixed", amount_off: "500", currency: "EUR" });
    const invoice = assemble({ lines: [line("1", "30")], discounts: [onCustomer(big)], tax: vat("20") });
    expect(figures(invoice)).toMatchObject({ discount: "30", tax: "0", total: "0", amount_due: "0" }); // min(500, 30)
  });
});

describe("assembleInvoice: credit balance", () => {
  it.each([
    ["larger than the total", "100", "60", "0"], // total 50.00 + 20 % = 60.00; min(100.00, 60.00) applied; 40.00 stays on the balance
    ["smaller than the total", "25", "25", "35"], // 60.00 − 25.00
    ["none", "0", "0", "60"],
  ])("%s", (_name, balance, applied, due) => {
    const invoice = assemble({ lines: [line("1", "50")], tax: vat("20"), credit_balance: balance });
    expect(figures(invoice)).toMatchObject({ total: "60", credit_applied: applied, amount_due: due });
  });

  it("a negative total goes to the customer's balance and nothing is due", () => {
    const credit = line("1", "-30", { proration: true, description: "Unused time on 3 seats" });
    const invoice = assemble({ lines: [credit, line("1", "10")], tax: vat("20"), credit_balance: "5" });
    expect(figures(invoice)).toMatchObject({
      lines: ["-30-0=-30+-6", "10-0=10+2"], // −30.00 × 20 % = −6.00; 10.00 × 20 % = 2.00
      total: "-24", // −30 + 10 − 6 + 2
      credit_applied: "0", // nothing to pay, so nothing taken from the balance
      credit_added: "24",
      amount_due: "0",
    });
  });

  it("an invoice without lines totals zero", () => {
    expect(figures(assemble({ lines: [] }))).toMatchObject({ total: "0", amount_due: "0" });
  });
});

describe("assembleInvoice: refusals", () => {
  it.each([
    ["blank description", line("1", "1", { description: " " }), "invalid_invoice_line"],
    [
      "period that ends before it starts",
      line("1", "1", { period: { start: MARCH.end, end: MARCH.start } }),
      "invalid_invoice_line",
    ],
    ["13 decimals in a unit price", line("1", "0.0000000000001"), "invalid_amount"],
  ])("%s", (_name, bad, code) => {
    expect(() => assemble({ lines: [bad] })).toThrow(expect.objectContaining({ code }));
  });
});
