import { Temporal } from "temporal-polyfill";
import { recordAudit } from "../access/index.js";
import { getCustomer } from "../customers/index.js";
import type { RequestContext } from "../kernel/actor.js";
import { fromDate, toDate } from "../kernel/clock.js";
import { inTransaction } from "../kernel/db.js";
import { type Deps, withMemo } from "../kernel/deps.js";
import { DomainError } from "../kernel/errors.js";
import { newId, parseId } from "../kernel/ids.js";
import { Decimal } from "../kernel/money.js";
import "./backtest-errors.js";
import {
  BacktestErrors,
  type BacktestRow,
  BacktestTally,
  csvHeader,
  csvLine,
  type LiveVersion,
  summarizeBacktest,
} from "./backtest-model.js";
import { BacktestRater } from "./backtest-rating.js";
import {
  type BacktestRecord,
  backtestErrorRows,
  backtestRowsAfter,
  customersRatedBy,
  findBacktest,
  replaceBacktest,
  type StoredRow,
} from "./backtest-store.js";
import { ChargeScript } from "./lua-engine.js";
import { scriptForPeriod } from "./script-choice.js";
import { loadVersion, scriptNotFound } from "./script-service.js";
import { findScriptRow, findVersionRow, liveVersionRows } from "./script-store.js";

/**
 * Backtests: a script version (usually a draft) run over a past period's
 * stored events beside the versions that were in force, so an analyst sees
 * what a change would do to each customer's charges before publishing it.
 * The result is kept per version (the last run replaces the one before) and
 * the run is audited; nothing is billed or re-rated.
 */

export interface BacktestRequest {
  script: string;
  version: string;
  period_start: string;
  period_end: string;
  customer?: string | undefined;
}

/** Rows shown with a run and per page by default. */
export const ROWS_SHOWN = 100;
const ERRORS_SHOWN = 100;

function instantOf(text: string, param: string): Temporal.Instant {
  try {
    return Temporal.Instant.from(text);
  } catch {
    throw new DomainError("invalid_date", `${param} ${JSON.stringify(text)} is not an ISO 8601 instant`, { param });
  }
}

function periodOf(request: BacktestRequest) {
  const start = instantOf(request.period_start, "period_start");
  const end = instantOf(request.period_end, "period_end");
  if (Temporal.Instant.compare(end, start) <= 0) {
    throw new DomainError("invalid_backtest_period", "period_end must be after period_start", {
      param: "period_end",
    });
  }
  return { start: toDate(start), end: toDate(end) };
}

/** The one customer asked for, checked to be rated by this script in the period; else every customer it rates then. */
async function customersOf(
  deps: Deps,
  script: { id: string; is_default: boolean },
  period: { start: Date; end: Date },
  customer: string | undefined,
): Promise<string[]> {
  if (customer === undefined) return customersRatedBy(deps.db, script, period);
  const id = (await getCustomer(deps, customer)).id;
  const rating = await scriptForPeriod(deps, { customer_id: id, period_start: period.start, period_end: period.end });
  if (rating.script !== script.id) {
    throw new DomainError(
      "backtest_customer_not_rated",
      rating.script === null
        ? `${id} is rated by no script in this period (no script is assigned to them and they have no events in it), not by ${script.id}`
        : `${id} is rated by ${rating.script}, not by ${script.id}`,
      { param: "customer" },
    );
  }
  return [id];
}

async function liveVersions(deps: Deps, scriptId: string): Promise<LiveVersion[]> {
  return (await liveVersionRows(deps.db, scriptId)).map((row) => ({
    id: row.id,
    number: row.number,
    source: row.source,
    effective_from_ms: (row.effective_from as Date).getTime(),
  }));
}

/** Runs the backtest, keeps its result in place of the version's last one, and returns it with the first rows. */
export async function backtestScriptVersion(deps: Deps, ctx: RequestContext, request: BacktestRequest) {
  const version = await loadVersion(deps.db, request.script, request.version);
  const script = await findScriptRow(deps.db, version.script_id);
  if (script === undefined) throw scriptNotFound(version.script_id);
  const period = periodOf(request);
  // Rate cards and customers are read once for the whole run, not per event.
  const memo = withMemo(deps);
  const customerIds = await customersOf(memo, script, period, request.customer);
  const tally = new BacktestTally();
  const errors = new BacktestErrors();
  const candidate = await ChargeScript.compile(version.source);
  const rater = new BacktestRater(
    memo,
    {
      script: candidate,
      version: { id: version.id, number: version.number, source: version.source, effective_from_ms: 0 },
    },
    await liveVersions(deps, script.id),
    period,
    tally,
    errors,
  );
  let events = 0;
  try {
    for (const id of customerIds) {
      const customer = await getCustomer(memo, id);
      events += await rater.rateCustomer({
        id: customer.id,
        external_id: customer.external_id,
        currency: customer.currency,
        time_zone: customer.time_zone,
      });
    }
  } finally {
    await rater.close();
    candidate.close();
  }
  const rows = tally.rows();
  const summary = summarizeBacktest(rows, errors, { customers: customerIds.length, events });
  const at = deps.clock.now();
  const record: BacktestRecord = {
    id: newId("usage_backtest"),
    script_id: script.id,
    version_id: version.id,
    period_start: period.start,
    period_end: period.end,
    customer_id: request.customer === undefined ? null : (customerIds[0] ?? null),
    summary,
    created_by: ctx.actor.user_id ?? ctx.actor.id,
    created_at: toDate(at),
  };
  await inTransaction(deps.db, async (tx) => {
    await replaceBacktest(tx, record, rows, errors.list());
    const after = { backtest: record.id, period_start: request.period_start, period_end: request.period_end, summary };
    await recordAudit(
      tx,
      ctx,
      { action: "script_version.backtested", object_type: "script_version", object_id: version.id, after },
      at,
    );
  });
  return getBacktest(deps, record.id, { limit: ROWS_SHOWN });
}

function rowOf(row: StoredRow): BacktestRow {
  const difference = (after: string, before: string) => new Decimal(after).minus(before);
  const amountDifference = difference(row.amount_after, row.amount_before);
  return {
    position: row.position,
    customer: row.customer_id,
    customer_external_id: row.customer_external_id,
    currency: row.currency,
    code: row.code,
    dimensions: row.dimensions,
    before: { quantity: row.quantity_before, amount: row.amount_before },
    after: { quantity: row.quantity_after, amount: row.amount_after },
    difference: {
      quantity: difference(row.quantity_after, row.quantity_before).toFixed(),
      // Both amounts carry the currency's minor unit, so their difference does too.
      amount: amountDifference.toFixed(Math.max(decimals(row.amount_after), decimals(row.amount_before))),
    },
  };
}

const decimals = (text: string) => (text.includes(".") ? text.length - text.indexOf(".") - 1 : 0);

async function loadBacktest(deps: Deps, id: string): Promise<BacktestRecord> {
  const backtestId = parseId("usage_backtest", id, "id");
  const record = await findBacktest(deps.db, backtestId);
  if (record === undefined) {
    throw new DomainError("backtest_not_found", `no backtest ${backtestId} (a version keeps its last one only)`, {
      param: "id",
    });
  }
  return record;
}

export interface BacktestPage {
  limit: number;
  /** The position of the last row already seen. */
  starting_after?: number | undefined;
}

/** A kept backtest: the summary, a page of rows and the first errors. */
export async function getBacktest(deps: Deps, id: string, page: BacktestPage) {
  const record = await loadBacktest(deps, id);
  const version = await findVersionRow(deps.db, record.version_id);
  const stored = await backtestRowsAfter(deps.db, record.id, page.starting_after ?? 0, page.limit + 1);
  const errors = await backtestErrorRows(deps.db, record.id, ERRORS_SHOWN);
  return {
    object: "script_backtest" as const,
    id: record.id,
    script: record.script_id,
    version: record.version_id,
    version_number: version?.number ?? null,
    version_status: version?.status ?? null,
    period_start: fromDate(record.period_start).toString(),
    period_end: fromDate(record.period_end).toString(),
    customer: record.customer_id,
    created_by: record.created_by,
    created_at: fromDate(record.created_at).toString(),
    summary: record.summary,
    rows: {
      object: "list" as const,
      data: stored.slice(0, page.limit).map(rowOf),
      has_more: stored.length > page.limit,
    },
    errors: errors.map((error) => ({
      customer: error.customer_id,
      transaction_id: error.transaction_id,
      timestamp: error.ts === null ? null : fromDate(error.ts).toString(),
      before: error.before_error,
      after: error.after_error,
    })),
  };
}

export type BacktestJson = Awaited<ReturnType<typeof getBacktest>>;

/** Every row as CSV, read a thousand rows at a time so a large backtest streams. */
export async function backtestCsv(deps: Deps, id: string): Promise<{ id: string; lines: AsyncGenerator<string> }> {
  const record = await loadBacktest(deps, id);
  async function* lines(): AsyncGenerator<string> {
    yield csvHeader();
    let after = 0;
    for (;;) {
      const rows = await backtestRowsAfter(deps.db, record.id, after, 1000);
      for (const row of rows) yield csvLine(rowOf(row));
      if (rows.length < 1000) return;
      after = (rows[rows.length - 1] as StoredRow).position;
    }
  }
  return { id: record.id, lines: lines() };
}
