import { Temporal } from "temporal-polyfill";
import {
  type Address,
  missingAddressFields,
  purchaseOrderStanding,
  type TaxId,
  type TaxIdType,
} from "../customers/index.js";
import { assertNever } from "../kernel/errors.js";
import type { Decimal } from "../kernel/money.js";
import type { InvoicePeriod } from "./assembly.js";
import { EU_MEMBER_STATES } from "./tax.js";

/**
 * The draft review checklist: configurable rules, each a pure function from
 * the draft's facts to findings. The service gathers the facts (customer,
 * purchase order, previous and open invoices, usage) and stores the findings
 * on the draft; `canFinalize` decides whether finalization may go ahead.
 */

export const CHECKLIST_RULES = [
  "purchase_order",
  "billing_address",
  "tax_id",
  "currency",
  "total_deviation",
  "total_not_positive",
  "possible_duplicate",
  "line_without_period",
  "metered_without_usage",
] as const;
export type ChecklistRule = (typeof CHECKLIST_RULES)[number];

export type FindingSeverity = "blocking" | "warning" | "info";

export interface Finding {
  rule: ChecklistRule;
  severity: FindingSeverity;
  message: string;
  /** The draft field a person should look at. */
  param?: string;
}

export interface RuleSetting {
  enabled: boolean;
  severity: FindingSeverity;
}

export interface ChecklistConfig {
  rules: Readonly<Record<ChecklistRule, RuleSetting>>;
  /** total_deviation fires above this many percent, as decimal text. */
  deviation_percent_max: string;
}

/** Blocking where the invoice would be wrong or refused by the customer; warnings where it may be right. */
export const DEFAULT_CHECKLIST: ChecklistConfig = {
  rules: {
    purchase_order: { enabled: true, severity: "blocking" },
    billing_address: { enabled: true, severity: "blocking" },
    tax_id: { enabled: true, severity: "blocking" },
    currency: { enabled: true, severity: "blocking" },
    total_deviation: { enabled: true, severity: "warning" },
    total_not_positive: { enabled: true, severity: "warning" },
    possible_duplicate: { enabled: true, severity: "blocking" },
    line_without_period: { enabled: true, severity: "info" },
    metered_without_usage: { enabled: true, severity: "warning" },
  },
  deviation_percent_max: "50",
};

type PurchaseOrderTerms = Parameters<typeof purchaseOrderStanding>[0];

export interface DraftFacts {
  currency: string;
  invoice_date: Temporal.PlainDate;
  total: Decimal;
  purchase_order_number: string | null;
  lines: readonly {
    description: string;
    period: InvoicePeriod | null;
    metered: boolean;
    usage_quantity: Decimal | null;
  }[];
  customer: {
    currency: string;
    is_business: boolean;
    purchase_order_required: boolean;
    billing_address: Address | null;
    tax_ids: readonly TaxId[];
  };
  /** The PO the draft cites, with what is left of its cap (null: no cap). */
  purchase_order: { terms: PurchaseOrderTerms; remaining_balance: Decimal | null } | null;
  previous_invoice_total: Decimal | null;
  /** The customer's other open invoices, to spot a duplicate. */
  other_open_invoices: readonly { id: string; number: string; total: Decimal; period: InvoicePeriod | null }[];
}

type Check = (facts: DraftFacts, config: ChecklistConfig) => Omit<Finding, "rule" | "severity">[];

/** Runs every enabled rule; findings come out in rule order, so the screen is stable. */
export function reviewDraft(facts: DraftFacts, config: ChecklistConfig = DEFAULT_CHECKLIST): Finding[] {
  return CHECKLIST_RULES.flatMap((rule) => {
    const setting = config.rules[rule];
    if (!setting.enabled) return [];
    return checkFor(rule)(facts, config).map((finding) => ({ rule, severity: setting.severity, ...finding }));
  });
}

function checkFor(rule: ChecklistRule): Check {
  switch (rule) {
    case "purchase_order":
      return checkPurchaseOrder;
    case "billing_address":
      return checkBillingAddress;
    case "tax_id":
      return checkTaxId;
    case "currency":
      return (facts) =>
        facts.currency === facts.customer.currency
          ? []
          : [
              {
                message: `the invoice is in ${facts.currency}, the customer is billed in ${facts.customer.currency}`,
                param: "currency",
              },
            ];
    case "total_deviation":
      return checkDeviation;
    case "total_not_positive":
      return (facts) =>
        facts.total.isPositive() && !facts.total.isZero()
          ? []
          : [{ message: `the total is ${facts.total.toString()} ${facts.currency}`, param: "total" }];
    case "possible_duplicate":
      return checkDuplicate;
    case "line_without_period":
      return (facts) =>
        facts.lines.flatMap((line, index) =>
          line.period === null
            ? [{ message: `"${line.description}" has no service period`, param: `lines.${index}.period` }]
            : [],
        );
    case "metered_without_usage":
      return (facts) =>
        facts.lines.flatMap((line, index) =>
          line.metered && (line.usage_quantity === null || line.usage_quantity.isZero())
            ? [
                {
                  message: `"${line.description}" is metered but no usage was recorded for its period`,
                  param: `lines.${index}`,
                },
              ]
            : [],
        );
    default:
      return assertNever(rule, "checklist rule");
  }
}

const checkPurchaseOrder: Check = (facts) => {
  const po = facts.purchase_order;
  if (po === null) {
    if (!facts.customer.purchase_order_required) return [];
    const what =
      facts.purchase_order_number === null ? "no PO number" : `PO ${facts.purchase_order_number} is not on file`;
    return [
      { message: `the customer requires a purchase order and the draft has ${what}`, param: "purchase_order_number" },
    ];
  }
  const findings: Omit<Finding, "rule" | "severity">[] = [];
  const standing = purchaseOrderStanding(po.terms, facts.invoice_date);
  if (standing !== "usable") {
    findings.push({
      message: `PO ${po.terms.number} is ${standing.replaceAll("_", " ")} on ${facts.invoice_date}`,
      param: "purchase_order_number",
    });
  }
  if (po.remaining_balance !== null && facts.total.greaterThan(po.remaining_balance)) {
    findings.push({
      message: `the total ${facts.total} is over the ${po.remaining_balance} left on PO ${po.terms.number}`,
      param: "purchase_order_number",
    });
  }
  return findings;
};

const checkBillingAddress: Check = (facts) => {
  const missing = missingAddressFields(facts.customer.billing_address);
  if (missing.length === 0) return [];
  const country = facts.customer.billing_address?.country ?? "its country";
  return [{ message: `the billing address lacks ${missing.join(", ")} for ${country}`, param: "billing_address" }];
};

/** The tax id type a business in each country is expected to show; elsewhere any checked id will do. */
const TAX_ID_TYPE_BY_COUNTRY: Readonly<Record<string, TaxIdType>> = {
  ...Object.fromEntries([...EU_MEMBER_STATES].map((country) => [country, "eu_vat"])),
  GB: "gb_vat",
  US: "us_ein",
  CA: "ca_bn",
  AU: "au_abn",
  IN: "in_gst",
};

/**
 * Customers' tax ids were format-checked when entered; what can still be
 * wrong for this invoice is an id of the wrong kind or country (an "other" id
 * for a German business, a French VAT id on a German address), which would
 * print a number the customer's tax authority does not know.
 */
const checkTaxId: Check = (facts) => {
  const { customer } = facts;
  if (!customer.is_business) return [];
  if (customer.tax_ids.length === 0)
    return [{ message: "a business customer without a tax id", param: "customer.tax_ids" }];
  const country = customer.billing_address?.country ?? null;
  const expected = country === null ? undefined : TAX_ID_TYPE_BY_COUNTRY[country];
  if (expected === undefined) return [];
  const fits = customer.tax_ids.some((id) => id.type === expected && (id.country === null || id.country === country));
  return fits ? [] : [{ message: `a business in ${country} needs a valid ${expected} id`, param: "customer.tax_ids" }];
};

const checkDeviation: Check = (facts, config) => {
  const previous = facts.previous_invoice_total;
  if (previous === null || previous.isZero()) return [];
  const percent = facts.total.minus(previous).abs().div(previous.abs()).times(100);
  if (percent.lessThanOrEqualTo(config.deviation_percent_max)) return [];
  return [
    {
      message: `the total ${facts.total} is ${percent.toDecimalPlaces(1).toString()} % away from the previous invoice's ${previous}`,
      param: "total",
    },
  ];
};

const checkDuplicate: Check = (facts) => {
  const period = invoicePeriod(facts.lines);
  return facts.other_open_invoices
    .filter((other) => other.total.equals(facts.total) && samePeriod(other.period, period))
    .map((other) => ({ message: `open invoice ${other.number} has the same total and period`, param: "total" }));
};

/** The span of the lines' periods: from the earliest start to the latest end. */
export function invoicePeriod(lines: readonly { period: InvoicePeriod | null }[]): InvoicePeriod | null {
  const periods = lines.flatMap((line) => (line.period === null ? [] : [line.period]));
  if (periods.length === 0) return null;
  const first = periods.reduce((a, b) => (Temporal.Instant.compare(a.start, b.start) <= 0 ? a : b));
  const last = periods.reduce((a, b) => (Temporal.Instant.compare(a.end, b.end) >= 0 ? a : b));
  return { start: first.start, end: last.end };
}

function samePeriod(a: InvoicePeriod | null, b: InvoicePeriod | null): boolean {
  if (a === null || b === null) return a === b;
  return a.start.equals(b.start) && a.end.equals(b.end);
}

export interface FindingOverride {
  rule: ChecklistRule;
  reason: string;
}

/**
 * Finalization may go ahead when every blocking finding's rule has an
 * override with a reason (the service audits it). Warnings and info never
 * block: they are for the reviewer's eyes.
 */
export function canFinalize(
  findings: readonly Finding[],
  overrides: readonly FindingOverride[],
): { allowed: boolean; unresolved: Finding[] } {
  const overridden = new Set(overrides.filter((o) => o.reason.trim() !== "").map((o) => o.rule));
  const unresolved = findings.filter((finding) => finding.severity === "blocking" && !overridden.has(finding.rule));
  return { allowed: unresolved.length === 0, unresolved };
}
