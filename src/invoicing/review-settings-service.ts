import { recordAudit } from "../access/index.js";
import { getCustomer } from "../customers/index.js";
import type { RequestContext } from "../kernel/actor.js";
import { fromDate, toDate } from "../kernel/clock.js";
import { type Executor, inTransaction } from "../kernel/db.js";
import type { Deps } from "../kernel/deps.js";
import { DomainError } from "../kernel/errors.js";
import { formatAmountForApi, parseAmount, parseCurrency, parseCurrencyAmount } from "../kernel/money.js";
import {
  applyCompanyPatch,
  applyCustomerPatch,
  type CompanyReviewSettingsPatch,
  type CompanyReviewSettingsStored,
  type CustomerReviewSettingsPatch,
  type CustomerReviewSettingsStored,
  effectiveSettings,
  type InvoiceReviewSettings,
} from "./review-model.js";
import { COMPANY_SCOPE, findSettings, findSettingsOf, lockSettings, saveSettings } from "./review-store.js";

/**
 * The stored review settings: one company-wide row and one per customer that
 * differs. Each change is audited with before and after.
 */

export const GRACE_HOURS_MAX = 24 * 366;

export interface ReviewSettingsJson {
  object: "review_settings";
  rules: InvoiceReviewSettings["checklist"]["rules"];
  deviation_percent_max: string;
  enforce_checklist: boolean;
  approval_amount_by_currency: Record<string, string>;
  auto_finalize_grace_hours: number | null;
  updated_at: string | null;
}

export interface CustomerReviewSettingsJson {
  object: "customer_review_settings";
  customer: string;
  /** What the customer sets itself; everything else is the company's. */
  overrides: CustomerReviewSettingsStored;
  /** The settings its drafts are reviewed with. */
  effective: Omit<ReviewSettingsJson, "object" | "updated_at">;
  updated_at: string | null;
}

function effectiveJson(settings: InvoiceReviewSettings, customerId: string | null) {
  const grace =
    customerId === null
      ? settings.auto_finalize_grace_hours
      : (settings.grace_hours_by_customer[customerId] ?? settings.auto_finalize_grace_hours);
  return {
    rules: settings.checklist.rules,
    deviation_percent_max: settings.checklist.deviation_percent_max,
    enforce_checklist: settings.enforce_checklist,
    approval_amount_by_currency: { ...settings.approval_amount_by_currency },
    auto_finalize_grace_hours: grace,
  };
}

async function storedCompany(db: Executor) {
  const row = await findSettings(db, COMPANY_SCOPE);
  return { settings: (row?.settings ?? {}) as CompanyReviewSettingsStored, updated_at: row?.updated_at ?? null };
}

async function storedCustomer(db: Executor, customerId: string) {
  const row = await findSettings(db, customerId);
  return {
    settings: (row?.settings ?? null) as CustomerReviewSettingsStored | null,
    updated_at: row?.updated_at ?? null,
  };
}

/** The settings a customer's drafts are reviewed with. */
export async function reviewSettingsFor(db: Executor, customerId: string): Promise<InvoiceReviewSettings> {
  const company = await storedCompany(db);
  const customer = await storedCustomer(db, customerId);
  return effectiveSettings(company.settings, customer.settings, customerId);
}

/** reviewSettingsFor many customers at once: the company row and the customers' rows in two queries. */
export async function effectiveSettingsOf(
  db: Executor,
  customerIds: readonly string[],
): Promise<Map<string, InvoiceReviewSettings>> {
  const company = await storedCompany(db);
  const ids = [...new Set(customerIds)];
  const rows = await findSettingsOf(db, ids);
  const stored = new Map(rows.map((row) => [row.scope, row.settings as CustomerReviewSettingsStored]));
  return new Map(ids.map((id) => [id, effectiveSettings(company.settings, stored.get(id) ?? null, id)]));
}

function companyJson(stored: CompanyReviewSettingsStored, updatedAt: Date | null): ReviewSettingsJson {
  return {
    object: "review_settings",
    ...effectiveJson(effectiveSettings(stored, null, null), null),
    updated_at: updatedAt === null ? null : fromDate(updatedAt).toString(),
  };
}

export async function getReviewSettings(deps: Deps): Promise<ReviewSettingsJson> {
  const { settings, updated_at } = await storedCompany(deps.db);
  return companyJson(settings, updated_at);
}

function checkDeviation(value: string | null | undefined, param: string): string | null | undefined {
  if (value === null || value === undefined) return value;
  const percent = parseAmount(value, param);
  if (percent.isNegative()) throw new DomainError("invalid_review_settings", "a percentage of 0 or more", { param });
  return percent.toString();
}

function checkGrace<T>(value: T, param: string): T {
  if (typeof value === "number" && (!Number.isInteger(value) || value < 0 || value > GRACE_HOURS_MAX)) {
    throw new DomainError("invalid_review_settings", `whole hours from 0 to ${GRACE_HOURS_MAX}`, { param });
  }
  return value;
}

/** Thresholds are amounts in the currency's minor units, above zero. */
function checkThresholds(thresholds: Record<string, string | null> | undefined) {
  if (thresholds === undefined) return undefined;
  const checked: Record<string, string | null> = {};
  for (const [key, amount] of Object.entries(thresholds)) {
    const param = `approval_amount_by_currency.${key}`;
    const currency = parseCurrency(key, param);
    if (amount === null) {
      checked[currency] = null;
      continue;
    }
    const value = parseCurrencyAmount(amount, currency, param);
    if (!value.isPositive() || value.isZero()) {
      throw new DomainError("invalid_review_settings", "an approval threshold above zero", { param });
    }
    checked[currency] = formatAmountForApi(value, currency);
  }
  return checked;
}

export async function updateReviewSettings(
  deps: Deps,
  ctx: RequestContext,
  patch: CompanyReviewSettingsPatch,
): Promise<ReviewSettingsJson> {
  const checked: CompanyReviewSettingsPatch = {
    ...patch,
    deviation_percent_max: checkDeviation(patch.deviation_percent_max, "deviation_percent_max"),
    auto_finalize_grace_hours: checkGrace(patch.auto_finalize_grace_hours, "auto_finalize_grace_hours"),
    approval_amount_by_currency: checkThresholds(patch.approval_amount_by_currency),
  };
  return inTransaction(deps.db, async (tx) => {
    const at = deps.clock.now();
    const row = await lockSettings(tx, COMPANY_SCOPE, null, toDate(at));
    const before = companyJson(row.settings as CompanyReviewSettingsStored, row.updated_at);
    const stored = applyCompanyPatch(row.settings as CompanyReviewSettingsStored, checked);
    await saveSettings(tx, COMPANY_SCOPE, stored, toDate(at));
    const after = companyJson(stored, toDate(at));
    await recordAudit(
      tx,
      ctx,
      { action: "review_settings.updated", object_type: "review_settings", object_id: COMPANY_SCOPE, before, after },
      at,
    );
    return after;
  });
}

async function customerJson(db: Executor, customerId: string): Promise<CustomerReviewSettingsJson> {
  const company = await storedCompany(db);
  const customer = await storedCustomer(db, customerId);
  return {
    object: "customer_review_settings",
    customer: customerId,
    overrides: customer.settings ?? {},
    effective: effectiveJson(effectiveSettings(company.settings, customer.settings, customerId), customerId),
    updated_at: customer.updated_at === null ? null : fromDate(customer.updated_at).toString(),
  };
}

export async function getCustomerReviewSettings(deps: Deps, customerRef: string): Promise<CustomerReviewSettingsJson> {
  const customer = await getCustomer(deps, customerRef);
  return customerJson(deps.db, customer.id);
}

export async function updateCustomerReviewSettings(
  deps: Deps,
  ctx: RequestContext,
  customerRef: string,
  patch: CustomerReviewSettingsPatch,
): Promise<CustomerReviewSettingsJson> {
  const checked: CustomerReviewSettingsPatch = {
    ...patch,
    deviation_percent_max: checkDeviation(patch.deviation_percent_max, "deviation_percent_max"),
    auto_finalize_grace_hours: checkGrace(patch.auto_finalize_grace_hours, "auto_finalize_grace_hours"),
  };
  return inTransaction(deps.db, async (tx) => {
    const customer = await getCustomer(deps, customerRef, tx);
    const at = deps.clock.now();
    const before = await customerJson(tx, customer.id);
    const row = await lockSettings(tx, customer.id, customer.id, toDate(at));
    const stored = applyCustomerPatch(row.settings as CustomerReviewSettingsStored, checked);
    await saveSettings(tx, customer.id, stored, toDate(at));
    const after = await customerJson(tx, customer.id);
    await recordAudit(
      tx,
      ctx,
      {
        action: "customer.review_settings_updated",
        object_type: "customer",
        object_id: customer.id,
        before: before.overrides,
        after: after.overrides,
      },
      at,
    );
    return after;
  });
}
