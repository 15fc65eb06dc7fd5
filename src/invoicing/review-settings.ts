import type { Temporal } from "temporal-polyfill";
import { Decimal } from "../kernel/money.js";
import { type ChecklistConfig, DEFAULT_CHECKLIST } from "./checklist.js";

/**
 * An account's draft review settings: the checklist (rules on/off, severity,
 * deviation threshold), the amount above which finalizing needs a second
 * person's approval, and how long a clean draft waits before it is finalized
 * on its own. Pure: the service loads the stored row and merges it here.
 */
export interface ReviewSettings {
  checklist: ChecklistConfig;
  /** Per currency, as decimal text; a currency not listed never needs approval. */
  approval_amount_by_currency: Readonly<Record<string, string>>;
  /** Null: clean drafts are never finalized automatically. */
  auto_finalize_grace_hours: number | null;
  /** Customers who get more (or less) time to look at their draft. */
  grace_hours_by_customer: Readonly<Record<string, number>>;
}

/** Off by default: nothing is finalized or held for approval until the billing team says so. */
export const DEFAULT_REVIEW_SETTINGS: ReviewSettings = {
  checklist: DEFAULT_CHECKLIST,
  approval_amount_by_currency: {},
  auto_finalize_grace_hours: null,
  grace_hours_by_customer: {},
};

export type StoredReviewSettings = Partial<Omit<ReviewSettings, "checklist">> & {
  checklist?: Partial<ChecklistConfig>;
};

/** Stored settings over the defaults; a rule left out keeps its default, so new rules arrive switched on. */
export function resolveReviewSettings(stored: StoredReviewSettings | null): ReviewSettings {
  if (stored === null) return DEFAULT_REVIEW_SETTINGS;
  const checklist = stored.checklist ?? {};
  return {
    ...DEFAULT_REVIEW_SETTINGS,
    ...stored,
    checklist: {
      ...DEFAULT_CHECKLIST,
      ...checklist,
      rules: { ...DEFAULT_CHECKLIST.rules, ...checklist.rules },
    },
  };
}

/** Strictly above the threshold: an invoice of exactly the threshold goes through alone. */
export function approvalRequired(settings: ReviewSettings, total: Decimal, currency: string): boolean {
  const threshold = settings.approval_amount_by_currency[currency];
  return threshold !== undefined && total.greaterThan(new Decimal(threshold));
}

/** When a clean draft of this customer may be finalized on its own; null when never. */
export function autoFinalizeAt(
  settings: ReviewSettings,
  customerId: string,
  draftCreatedAt: Temporal.Instant,
): Temporal.Instant | null {
  const hours = settings.grace_hours_by_customer[customerId] ?? settings.auto_finalize_grace_hours;
  return hours === null ? null : draftCreatedAt.add({ hours });
}
