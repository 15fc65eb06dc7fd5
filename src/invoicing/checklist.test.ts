import { Temporal } from "temporal-polyfill";
import { describe, expect, it } from "vitest";
import { Decimal } from "../kernel/money.js";
import {
  type ChecklistConfig,
  canFinalize,
  DEFAULT_CHECKLIST,
  type DraftFacts,
  type Finding,
  reviewDraft,
} from "./checklist.js";

const d = (text: string) => new Decimal(text);
const MARCH = {
  start: Temporal.Instant.from("2026-03-01T00:00:00Z"),
  end: Temporal.Instant.from("2026-04-01T00:00:00Z"),
};

const OPEN_MARCH_INVOICE = { id: "inv_0", number: "INV-2026-000100", total: d("1000"), period: MARCH };

const CLEAN: DraftFacts = {
  currency: "EUR",
  invoice_date: Temporal.PlainDate.from("2026-04-01"),
  total: d("1200"),
  purchase_order_number: "PO-77",
  lines: [{ description: "Seats", period: MARCH, metered: false, usage_quantity: null }],
  customer: {
    currency: "EUR",
    is_business: true,
    purchase_order_required: true,
    billing_address: {
      line1: "Hauptstr. 1",
      line2: null,
      city: "Berlin",
      region: null,
      postal_code: "10115",
      country: "DE",
    },
    tax_ids: [{ type: "eu_vat", value: "DE123456789", country: "DE" }],
  },
  purchase_order: {
    terms: {
      number: "PO-77",
      description: null,
      valid_from: "2026-01-01",
      valid_to: "2026-12-31",
      amount_cap: "10000",
      active: true,
    },
    remaining_balance: d("5000"),
  },
  previous_invoice_total: d("1000"),
  other_open_invoices: [OPEN_MARCH_INVOICE],
};

const short = (findings: Finding[]) => findings.map((f) => `${f.rule}:${f.severity}`);

describe("reviewDraft", () => {
  it("a clean draft has no findings", () => {
    expect(reviewDraft(CLEAN)).toEqual([]);
  });

  it.each<[string, Partial<DraftFacts> | ((f: DraftFacts) => DraftFacts), string[]]>([
    ["PO required, none cited", { purchase_order: null, purchase_order_number: null }, ["purchase_order:blocking"]],
    [
      "PO expired",
      (f) => ({ ...f, invoice_date: Temporal.PlainDate.from("2027-01-01") }), // valid_to 2026-12-31 is the last day
      ["purchase_order:blocking"],
    ],
    ["PO over its cap", { total: d("5000.01") }, ["purchase_order:blocking", "total_deviation:warning"]], // 5,000.01 > 5,000.00 left; +400 % on 1,000
    [
      "address without a postal code",
      (f) => ({
        ...f,
        customer: {
          ...f.customer,
          billing_address: {
            ...(f.customer.billing_address as NonNullable<DraftFacts["customer"]["billing_address"]>),
            postal_code: null,
          },
        },
      }),
      ["billing_address:blocking"],
    ],
    ["business without a tax id", (f) => ({ ...f, customer: { ...f.customer, tax_ids: [] } }), ["tax_id:blocking"]],
    [
      "a German business with a French VAT id",
      (f) => ({
        ...f,
        customer: { ...f.customer, tax_ids: [{ type: "eu_vat", value: "FR12345678901", country: "FR" }] },
      }),
      ["tax_id:blocking"],
    ],
    ["a consumer needs no tax id", (f) => ({ ...f, customer: { ...f.customer, is_business: false, tax_ids: [] } }), []],
    ["currency differs", { currency: "USD" }, ["currency:blocking"]],
    ["total 50 % above the previous: at the limit, fine", { total: d("1500") }, []], // (1500 − 1000) / 1000 = 50 %, not more
    ["total 50.1 % above the previous", { total: d("1501") }, ["total_deviation:warning"]], // (1501 − 1000) / 1000 = 50.1 %
    ["zero total", { total: d("0") }, ["total_deviation:warning", "total_not_positive:warning"]], // −100 % on 1,000
    ["same total and period as an open invoice", { total: d("1000") }, ["possible_duplicate:blocking"]],
    [
      "same total, other period",
      { total: d("1000"), other_open_invoices: [{ ...OPEN_MARCH_INVOICE, period: null }] },
      [],
    ],
    [
      "a line without a period, and a metered line without usage",
      {
        lines: [
          { description: "Setup", period: null, metered: false, usage_quantity: null },
          { description: "API calls", period: MARCH, metered: true, usage_quantity: d("0") },
        ],
      },
      ["line_without_period:info", "metered_without_usage:warning"],
    ],
  ])("%s", (_name, change, expected) => {
    const facts = typeof change === "function" ? change(CLEAN) : { ...CLEAN, ...change };
    expect(short(reviewDraft(facts))).toEqual(expected);
  });

  it("follows the configuration: a rule off, another made blocking", () => {
    const config: ChecklistConfig = {
      ...DEFAULT_CHECKLIST,
      rules: {
        ...DEFAULT_CHECKLIST.rules,
        currency: { enabled: false, severity: "blocking" },
        total_deviation: { enabled: true, severity: "blocking" },
      },
      deviation_percent_max: "10",
    };
    // +15 % on 1,000 is over the 10 % limit; the currency rule is off
    expect(short(reviewDraft({ ...CLEAN, currency: "USD", total: d("1150") }, config))).toEqual([
      "total_deviation:blocking",
    ]);
  });
});

describe("canFinalize", () => {
  const findings = reviewDraft({ ...CLEAN, currency: "USD", total: d("0") });

  it.each([
    ["no overrides", [], false, ["currency"]],
    ["overridden with a reason", [{ rule: "currency" as const, reason: "customer asked for USD this once" }], true, []],
    ["a blank reason does not count", [{ rule: "currency" as const, reason: "  " }], false, ["currency"]],
  ])("%s", (_name, overrides, allowed, unresolved) => {
    const result = canFinalize(findings, overrides);
    expect(result.allowed).toBe(allowed);
    expect(result.unresolved.map((f) => f.rule)).toEqual(unresolved);
  });
});
