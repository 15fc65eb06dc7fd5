import { createHash } from "node:crypto";
import { Temporal } from "temporal-polyfill";
import type { Decimal } from "../kernel/money.js";
import {
  CHECKLIST_RULES,
  type ChecklistRule,
  type Finding,
  type FindingSeverity,
  type RuleSetting,
} from "./checklist.js";
import {
  approvalRequired,
  autoFinalizeAt,
  type ReviewSettings,
  resolveReviewSettings,
  type StoredReviewSettings,
} from "./review-settings.js";

/**
 * The draft review as people see it, worked out from plain data: the stored
 * company and customer settings merged into the settings in effect, each
 * finding with the override that still applies to it, the counts, whether the
 * draft may be finalized, and when it finalizes on its own. No I/O.
 */

/** What the company row stores: only what was set; the rest comes from the defaults. */
export interface CompanyReviewSettingsStored {
  rules?: Partial<Record<ChecklistRule, RuleSetting>>;
  deviation_percent_max?: string;
  enforce_checklist?: boolean;
  approval_amount_by_currency?: Record<string, string>;
  auto_finalize_grace_hours?: number | null;
}

/** "off": this customer's drafts never finalize on their own, whatever the company says. */
export type CustomerGrace = number | "off";

/** What a customer row stores: only the fields that differ from the company's. */
export interface CustomerReviewSettingsStored {
  rules?: Partial<Record<ChecklistRule, RuleSetting>>;
  deviation_percent_max?: string;
  auto_finalize_grace_hours?: CustomerGrace;
}

export interface CompanyReviewSettingsPatch {
  /** Per rule; a rule left out keeps its setting, null puts it back to the default. */
  rules?: Partial<Record<ChecklistRule, RuleSetting | null>> | undefined;
  deviation_percent_max?: string | null | undefined;
  enforce_checklist?: boolean | undefined;
  /** Per currency; null removes the currency's threshold (it then never needs approval). */
  approval_amount_by_currency?: Record<string, string | null> | undefined;
  /** Null: clean drafts are never finalized on their own. */
  auto_finalize_grace_hours?: number | null | undefined;
}

export interface CustomerReviewSettingsPatch {
  /** Per rule; null clears the customer's setting back to the company's. */
  rules?: Partial<Record<ChecklistRule, RuleSetting | null>> | undefined;
  deviation_percent_max?: string | null | undefined;
  auto_finalize_grace_hours?: CustomerGrace | null | undefined;
}

/** The settings a draft is reviewed with. */
export interface InvoiceReviewSettings extends ReviewSettings {
  /** Off: blocking findings are shown but do not stop finalizing (the default, until the team turns it on). */
  enforce_checklist: boolean;
}

function mergeRules(
  stored: Partial<Record<ChecklistRule, RuleSetting>> | undefined,
  patch: Partial<Record<ChecklistRule, RuleSetting | null>> | undefined,
): Partial<Record<ChecklistRule, RuleSetting>> | undefined {
  if (patch === undefined) return stored;
  const merged: Partial<Record<ChecklistRule, RuleSetting>> = { ...stored };
  for (const rule of CHECKLIST_RULES) {
    const setting = patch[rule];
    if (setting === null) delete merged[rule];
    else if (setting !== undefined) merged[rule] = setting;
  }
  return Object.keys(merged).length === 0 ? undefined : merged;
}

/** Drops the keys whose value is undefined, so stored JSON holds only what was set. */
function compact<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, item]) => item !== undefined)) as T;
}

export function applyCompanyPatch(
  stored: CompanyReviewSettingsStored,
  patch: CompanyReviewSettingsPatch,
): CompanyReviewSettingsStored {
  let thresholds = stored.approval_amount_by_currency;
  if (patch.approval_amount_by_currency !== undefined) {
    const next: Record<string, string> = { ...thresholds };
    for (const [currency, amount] of Object.entries(patch.approval_amount_by_currency)) {
      if (amount === null) delete next[currency];
      else next[currency] = amount;
    }
    thresholds = next;
  }
  return compact({
    rules: mergeRules(stored.rules, patch.rules),
    deviation_percent_max:
      patch.deviation_percent_max === null ? undefined : (patch.deviation_percent_max ?? stored.deviation_percent_max),
    enforce_checklist: patch.enforce_checklist ?? stored.enforce_checklist,
    approval_amount_by_currency: thresholds,
    auto_finalize_grace_hours:
      patch.auto_finalize_grace_hours === undefined
        ? stored.auto_finalize_grace_hours
        : patch.auto_finalize_grace_hours,
  });
}

export function applyCustomerPatch(
  stored: CustomerReviewSettingsStored,
  patch: CustomerReviewSettingsPatch,
): CustomerReviewSettingsStored {
  const pick = <T>(next: T | null | undefined, current: T | undefined) =>
    next === null ? undefined : (next ?? current);
  return compact({
    rules: mergeRules(stored.rules, patch.rules),
    deviation_percent_max: pick(patch.deviation_percent_max, stored.deviation_percent_max),
    auto_finalize_grace_hours: pick(patch.auto_finalize_grace_hours, stored.auto_finalize_grace_hours),
  });
}

/** Built-in defaults, then the company's settings, then the customer's own. */
export function effectiveSettings(
  company: CompanyReviewSettingsStored,
  customer: CustomerReviewSettingsStored | null,
  customerId: string | null,
): InvoiceReviewSettings {
  const own = customer ?? {};
  const rules = { ...company.rules, ...own.rules };
  const deviation = own.deviation_percent_max ?? company.deviation_percent_max;
  const stored: StoredReviewSettings = {
    checklist: {
      ...(Object.keys(rules).length === 0 ? {} : { rules: rules as Record<ChecklistRule, RuleSetting> }),
      ...(deviation === undefined ? {} : { deviation_percent_max: deviation }),
    },
    ...(company.approval_amount_by_currency === undefined
      ? {}
      : { approval_amount_by_currency: company.approval_amount_by_currency }),
    ...(company.auto_finalize_grace_hours === undefined
      ? {}
      : { auto_finalize_grace_hours: company.auto_finalize_grace_hours }),
  };
  const resolved = resolveReviewSettings(stored);
  const grace = own.auto_finalize_grace_hours;
  return {
    ...resolved,
    // The customer's grace (or "off") beats the company's, through the pure settings' per-customer table.
    auto_finalize_grace_hours: grace === "off" ? null : resolved.auto_finalize_grace_hours,
    grace_hours_by_customer:
      customerId === null || grace === undefined || grace === "off" ? {} : { [customerId]: grace },
    enforce_checklist: company.enforce_checklist ?? true,
  };
}

/**
 * What identifies a rule's findings: their messages and fields, which carry
 * the figures (total, PO number, lines). An override is stored with it and
 * holds only while the draft still produces the same findings for the rule.
 */
export function ruleFingerprint(findings: readonly Finding[], rule: ChecklistRule): string {
  const mine = findings.filter((finding) => finding.rule === rule).map((f) => [f.message, f.param ?? null]);
  return createHash("sha256").update(JSON.stringify(mine)).digest("hex").slice(0, 32);
}

export interface StoredOverride {
  rule: string;
  fingerprint: string;
  reason: string;
  overridden_by: string;
  overridden_at: Temporal.Instant;
}

export interface ReviewedFinding {
  rule: ChecklistRule;
  severity: FindingSeverity;
  message: string;
  details: { param: string | null; fingerprint: string };
  override: { reason: string; overridden_by: string; overridden_at: string } | null;
}

export interface ReviewOutcome {
  findings: ReviewedFinding[];
  /** Blocking findings without an override that still applies. */
  blocking: number;
  /** Warnings without an override that still applies. */
  warnings: number;
  blocking_rules: ChecklistRule[];
  /** No blocking finding and no warning left standing: nothing for a person to look at. */
  clean: boolean;
  can_finalize: boolean;
  approval_required: boolean;
  /** When the customer's grace period for this draft ends, clean or not; null: no grace period. */
  grace_ends_at: Temporal.Instant | null;
  /** grace_ends_at for a clean draft that needs no approver; null otherwise. */
  auto_finalize_at: Temporal.Instant | null;
}

export interface ReviewInput {
  status: string;
  customer_id: string;
  currency: string;
  total: Decimal;
  created_at: Temporal.Instant;
  findings: readonly Finding[];
  overrides: readonly StoredOverride[];
  settings: InvoiceReviewSettings;
}

/**
 * A clean draft finalizes on its own once its grace period has passed, unless
 * its amount needs a second person: such drafts always wait for a person.
 */
export function reviewOutcome(input: ReviewInput): ReviewOutcome {
  const findings = input.findings.map((finding): ReviewedFinding => {
    const fingerprint = ruleFingerprint(input.findings, finding.rule);
    const override = input.overrides.find((o) => o.rule === finding.rule && o.fingerprint === fingerprint);
    return {
      rule: finding.rule,
      severity: finding.severity,
      message: finding.message,
      details: { param: finding.param ?? null, fingerprint },
      override:
        override === undefined
          ? null
          : {
              reason: override.reason,
              overridden_by: override.overridden_by,
              overridden_at: override.overridden_at.toString(),
            },
    };
  });
  const standing = findings.filter((finding) => finding.override === null);
  const blockingRules = [
    ...new Set(standing.filter((finding) => finding.severity === "blocking").map((finding) => finding.rule)),
  ];
  const blocking = standing.filter((finding) => finding.severity === "blocking").length;
  const warnings = standing.filter((finding) => finding.severity === "warning").length;
  const isDraft = input.status === "draft";
  const clean = blocking === 0 && warnings === 0;
  const approval = approvalRequired(input.settings, input.total, input.currency);
  const graceEndsAt = isDraft ? autoFinalizeAt(input.settings, input.customer_id, input.created_at) : null;
  return {
    findings,
    blocking,
    warnings,
    blocking_rules: blockingRules,
    clean,
    can_finalize: isDraft && (blocking === 0 || !input.settings.enforce_checklist),
    approval_required: approval,
    grace_ends_at: graceEndsAt,
    auto_finalize_at: clean && !approval ? graceEndsAt : null,
  };
}

const passed = (at: Temporal.Instant | null, asOf: Temporal.Instant) =>
  at !== null && Temporal.Instant.compare(at, asOf) <= 0;

/**
 * What the auto-finalize job does with a draft at `asOf`: finalize it (clean,
 * no approver needed, grace passed), hold it for a person (grace passed but
 * something stands), or leave it (no grace period, or still within it).
 */
export function autoFinalizeDecision(outcome: ReviewOutcome, asOf: Temporal.Instant): "finalize" | "hold" | "wait" {
  if (passed(outcome.auto_finalize_at, asOf)) return "finalize";
  return passed(outcome.grace_ends_at, asOf) ? "hold" : "wait";
}
