import { Temporal } from "temporal-polyfill";
import { describe, expect, it } from "vitest";
import { Decimal } from "../kernel/money.js";
import { DEFAULT_CHECKLIST } from "./checklist.js";
import { approvalRequired, autoFinalizeAt, DEFAULT_REVIEW_SETTINGS, resolveReviewSettings } from "./review-settings.js";

const settings = resolveReviewSettings({
  checklist: { rules: { ...DEFAULT_CHECKLIST.rules, tax_id: { enabled: false, severity: "warning" } } },
  approval_amount_by_currency: { EUR: "10000", JPY: "1500000" },
  auto_finalize_grace_hours: 48,
  grace_hours_by_customer: { cus_slow: 120 },
});

describe("review settings", () => {
  it("keeps the defaults where nothing is stored", () => {
    expect(resolveReviewSettings(null)).toEqual(DEFAULT_REVIEW_SETTINGS);
    expect(resolveReviewSettings({ checklist: { deviation_percent_max: "25" } }).checklist).toEqual({
      ...DEFAULT_CHECKLIST,
      deviation_percent_max: "25",
    });
    expect(settings.checklist.rules.tax_id).toEqual({ enabled: false, severity: "warning" });
    expect(settings.checklist.rules.currency).toEqual(DEFAULT_CHECKLIST.rules.currency);
  });

  it.each([
    ["10000.01", "EUR", true], // above the EUR threshold
    ["10000.00", "EUR", false], // exactly the threshold goes through alone
    ["1500001", "JPY", true],
    ["999999999", "USD", false], // no USD threshold configured
  ])("a total of %s %s needs approval: %s", (total, currency, expected) => {
    expect(approvalRequired(settings, new Decimal(total), currency)).toBe(expected);
  });

  it.each([
    ["cus_any", "2026-05-06T10:00:00Z"], // 2026-05-04 10:00 + 48 h
    ["cus_slow", "2026-05-09T10:00:00Z"], // + 120 h, the customer's override
  ])("a clean draft of %s is finalized on its own from %s", (customer, expected) => {
    const at = autoFinalizeAt(settings, customer, Temporal.Instant.from("2026-05-04T10:00:00Z"));
    expect(at?.toString()).toBe(expected);
  });

  it("never finalizes on its own when no grace period is set", () => {
    expect(autoFinalizeAt(DEFAULT_REVIEW_SETTINGS, "cus_any", Temporal.Instant.from("2026-05-04T10:00:00Z"))).toBe(
      null,
    );
  });
});
