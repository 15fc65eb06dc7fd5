import { Temporal } from "temporal-polyfill";
import { describe, expect, it } from "vitest";
import { Decimal } from "../kernel/money.js";
import type { Finding } from "./checklist.js";
import {
  applyCompanyPatch,
  applyCustomerPatch,
  autoFinalizeDecision,
  effectiveSettings,
  type ReviewInput,
  reviewOutcome,
  ruleFingerprint,
} from "./review-model.js";

const at = (text: string) => Temporal.Instant.from(text);
const CREATED = at("2026-05-04T08:00:00Z");

const OVER_CAP: Finding = {
  rule: "purchase_order",
  severity: "blocking",
  message: "the total 1200.00 is over the 1000.00 left on PO PO-77",
  param: "purchase_order_number",
};
const DEVIATION: Finding = { rule: "total_deviation", severity: "warning", message: "60.0 % away", param: "total" };
const NO_PERIOD: Finding = { rule: "line_without_period", severity: "info", message: '"Fee" has no service period' };

function input(changes: Partial<ReviewInput> = {}): ReviewInput {
  return {
    status: "draft",
    customer_id: "cus_a",
    currency: "EUR",
    total: new Decimal("1200"),
    created_at: CREATED,
    findings: [],
    overrides: [],
    settings: effectiveSettings({ auto_finalize_grace_hours: 24, enforce_checklist: true }, null, "cus_a"),
    ...changes,
  };
}

const overrideOf = (finding: Finding, findings = [finding]) => ({
  rule: finding.rule,
  fingerprint: ruleFingerprint(findings, finding.rule),
  reason: "checked",
  overridden_by: "usr_ar",
  overridden_at: CREATED,
});

describe("stored settings patches", () => {
  it("merges a company patch per rule and per currency; null removes", () => {
    const stored = applyCompanyPatch(
      { rules: { tax_id: { enabled: false, severity: "info" } }, approval_amount_by_currency: { EUR: "5000.00" } },
      {
        rules: { tax_id: null, currency: { enabled: true, severity: "warning" } },
        approval_amount_by_currency: { EUR: null, USD: "7000.00" },
        auto_finalize_grace_hours: null,
      },
    );
    expect(stored).toEqual({
      rules: { currency: { enabled: true, severity: "warning" } },
      approval_amount_by_currency: { USD: "7000.00" },
      auto_finalize_grace_hours: null,
    });
  });

  it("clears a customer's field back to the company's with null", () => {
    const own = applyCustomerPatch({}, { auto_finalize_grace_hours: "off", deviation_percent_max: "10" });
    expect(own).toEqual({ auto_finalize_grace_hours: "off", deviation_percent_max: "10" });
    expect(applyCustomerPatch(own, { auto_finalize_grace_hours: null })).toEqual({ deviation_percent_max: "10" });
  });

  it.each([
    // customer's own grace, company grace → hours in effect for the customer
    [undefined, 24, 24],
    [72, 24, 72],
    ["off", 24, null],
    [12, null, 12],
    [undefined, null, null],
  ] as const)("customer grace %s over company %s gives %s", (own, company, expected) => {
    const settings = effectiveSettings(
      { auto_finalize_grace_hours: company },
      own === undefined ? null : { auto_finalize_grace_hours: own },
      "cus_a",
    );
    const due = reviewOutcome(input({ settings })).auto_finalize_at;
    expect(due === null ? null : due.since(CREATED).total("hours")).toBe(expected);
  });
});

describe("reviewOutcome", () => {
  it.each([
    // findings, overrides → blocking, warnings, can_finalize, auto-finalizes
    ["a clean draft", [], [], 0, 0, true, true],
    ["a blocking finding", [OVER_CAP], [], 1, 0, false, false],
    ["an overridden blocking finding", [OVER_CAP], [overrideOf(OVER_CAP)], 0, 0, true, true],
    ["a warning", [DEVIATION], [], 0, 1, true, false],
    ["an info only", [NO_PERIOD], [], 0, 0, true, true],
    [
      "an override given for another reading of the finding",
      [OVER_CAP],
      [overrideOf({ ...OVER_CAP, message: "the total 1100.00 is over the 1000.00 left on PO PO-77" })],
      1,
      0,
      false,
      false,
    ],
  ] as const)("%s", (_case, findings, overrides, blocking, warnings, canFinalize, autoFinalizes) => {
    const outcome = reviewOutcome(input({ findings: [...findings], overrides: [...overrides] }));
    expect(outcome).toMatchObject({ blocking, warnings, can_finalize: canFinalize });
    expect(outcome.auto_finalize_at?.toString() ?? null).toBe(autoFinalizes ? "2026-05-05T08:00:00Z" : null); // + 24 h
  });

  it("enforces blocking findings unless the company turns the checklist off", () => {
    const enforced = effectiveSettings({}, null, "cus_a");
    expect(reviewOutcome(input({ settings: enforced, findings: [OVER_CAP] }))).toMatchObject({
      blocking: 1,
      can_finalize: false,
    });
    const watched = effectiveSettings({ enforce_checklist: false }, null, "cus_a");
    expect(reviewOutcome(input({ settings: watched, findings: [OVER_CAP] }))).toMatchObject({
      blocking: 1,
      can_finalize: true,
    });
  });

  it("never auto-finalizes a draft above the approval threshold", () => {
    const settings = effectiveSettings(
      { auto_finalize_grace_hours: 0, approval_amount_by_currency: { EUR: "1000.00" } },
      null,
      "cus_a",
    );
    const outcome = reviewOutcome(input({ settings })); // 1,200.00 > 1,000.00
    expect(outcome).toMatchObject({ approval_required: true, auto_finalize_at: null });
    expect(autoFinalizeDecision(outcome, CREATED)).toBe("hold");
  });

  it.each([
    // hours after creation, findings → what the job does (grace 24 h)
    [23, [], "wait"],
    [24, [], "finalize"],
    [30, [DEVIATION], "hold"],
    [10, [DEVIATION], "wait"],
  ] as const)("at +%s h with %j the job will %s", (hours, findings, expected) => {
    const outcome = reviewOutcome(input({ findings: [...findings] }));
    expect(autoFinalizeDecision(outcome, CREATED.add({ hours }))).toBe(expected);
  });

  it("finds nothing to do on a finalized invoice", () => {
    const outcome = reviewOutcome(input({ status: "open" }));
    expect(outcome).toMatchObject({ can_finalize: false, auto_finalize_at: null, grace_ends_at: null });
  });
});
