import type { Temporal } from "temporal-polyfill";
import { fromDate } from "../kernel/clock.js";
import { Decimal, formatAmountForApi } from "../kernel/money.js";
import type { ItemOutcome, RunItemRow, RunRow, RunStatus } from "./billing-run-store.js";

/** A run's figures and how the API shows a run and its items. */

export interface RunItem {
  subscription_id: string;
  customer_id: string;
  period_index: number | null;
  outcome: ItemOutcome;
  invoice_id?: string | null | undefined;
  currency?: string | null | undefined;
  /** The draft's total as the API writes amounts. */
  total?: string | null | undefined;
  /** The run finalized the invoice as it wrote it (billing-run-finalize.ts). */
  finalized?: boolean | undefined;
  reason?: string | null | undefined;
  error_code?: string | null | undefined;
  error_message?: string | null | undefined;
}

export interface RunSummary {
  status: RunStatus;
  subscriptions_considered: number;
  invoices_created: number;
  /** Of the invoices created, those the run finalized as it wrote them. */
  invoices_finalized: number;
  skipped_held: number;
  skipped_already_billed: number;
  failed: number;
  totals: Record<string, string>;
  duration_ms: number;
}

/** Sums per currency with decimals, never floats. */
function totalsOf(items: readonly RunItem[]): Record<string, string> {
  const sums = new Map<string, Decimal>();
  for (const item of items) {
    if (item.outcome !== "invoiced" || item.currency == null || item.total == null) continue;
    sums.set(item.currency, (sums.get(item.currency) ?? new Decimal(0)).plus(item.total));
  }
  return Object.fromEntries([...sums].sort().map(([currency, sum]) => [currency, formatAmountForApi(sum, currency)]));
}

export function summarize(
  considered: number,
  items: readonly RunItem[],
  started: Temporal.Instant,
  finished: Temporal.Instant,
): RunSummary {
  const count = (outcome: ItemOutcome) => items.filter((item) => item.outcome === outcome).length;
  const failed = count("failed");
  return {
    status: failed > 0 ? "completed_with_failures" : "succeeded",
    subscriptions_considered: considered,
    invoices_created: count("invoiced"),
    invoices_finalized: items.filter((item) => item.finalized === true).length,
    skipped_held: count("skipped_held"),
    skipped_already_billed: count("skipped_already_billed"),
    failed,
    totals: totalsOf(items),
    duration_ms: finished.epochMilliseconds - started.epochMilliseconds,
  };
}

type RunHeader = Pick<RunRow, "id" | "as_of" | "customer_id" | "started_at" | "finished_at"> &
  Omit<RunSummary, "duration_ms"> & { duration_ms: number | null };

export function itemJson(item: RunItem | RunItemRow) {
  return {
    subscription: item.subscription_id,
    customer: item.customer_id,
    period_index: item.period_index,
    outcome: item.outcome,
    invoice: item.invoice_id ?? null,
    finalized: item.finalized ?? false,
    currency: item.currency ?? null,
    total:
      item.total == null || item.currency == null ? null : formatAmountForApi(new Decimal(item.total), item.currency),
    reason: item.reason ?? null,
    error: item.error_code == null ? null : { code: item.error_code, message: item.error_message ?? "" },
  };
}

export function runJson(run: RunHeader, items: readonly (RunItem | RunItemRow)[] | undefined, dryRun = false) {
  const iso = (date: Date | null) => (date === null ? null : fromDate(date).toString());
  return {
    object: "billing_run" as const,
    id: dryRun ? null : run.id,
    dry_run: dryRun,
    as_of: fromDate(run.as_of).toString(),
    customer: run.customer_id,
    status: run.status,
    started_at: iso(run.started_at),
    finished_at: iso(run.finished_at),
    duration_ms: run.duration_ms,
    subscriptions_considered: run.subscriptions_considered,
    invoices_created: run.invoices_created,
    invoices_finalized: run.invoices_finalized,
    skipped_held: run.skipped_held,
    skipped_already_billed: run.skipped_already_billed,
    failed: run.failed,
    totals: run.totals,
    ...(items === undefined ? {} : { items: items.map(itemJson) }),
  };
}

export type BillingRunJson = ReturnType<typeof runJson>;
