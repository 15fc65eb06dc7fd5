import { sql } from "kysely";
import type { Executor, Tx } from "../kernel/db.js";
import type { BacktestError, BacktestRow, BacktestSummary } from "./backtest-model.js";
import type { Plain } from "./lua-marshal.js";

/**
 * SQL for backtests: reading a period's events a page at a time, choosing
 * the customers a script rates, and the kept results
 * (migrations/0023_backtests.sql).
 */

export interface StoredEventRow {
  id: string;
  transaction_id: string;
  type: string;
  ts: Date;
  properties: Record<string, Plain>;
}

/**
 * One customer's events in [start, end), oldest first, `size` at a time.
 * Keyset paging on (ts, id) stays on the (customer_id, ts) index however
 * deep the page, and only one page is held at once.
 */
export async function* customerEventPages(
  db: Executor,
  customerId: string,
  period: { start: Date; end: Date },
  size: number,
): AsyncGenerator<StoredEventRow[]> {
  const page = (after: StoredEventRow | null) => {
    const cursor = after === null ? sql`true` : sql`(ts, id) > (${after.ts}, ${after.id}::uuid)`;
    const reading = sql<StoredEventRow>`
      select id, transaction_id, type, ts, properties from usage_events
      where customer_id = ${customerId} and ts >= ${period.start} and ts < ${period.end} and ${cursor}
      order by ts, id limit ${size}`.execute(db);
    // A page read ahead and never awaited (rating stopped) must not fail the process; awaited, it still throws.
    reading.catch(() => undefined);
    return reading;
  };
  let next = page(null);
  for (;;) {
    const rows = (await next).rows;
    const last = rows[rows.length - 1];
    // The next page is read while this one is rated: the database works on one core, the engine on the other.
    if (rows.length === size && last !== undefined) next = page(last);
    if (rows.length > 0) yield rows;
    if (rows.length < size) return;
  }
}

/**
 * The customers the script rates in the period, by the rule of
 * script-choice-model.ts: every customer assigned to it (events or not, so
 * a quiet month's minimum shows), and, when it is the default, the
 * unassigned customers with events in the period. Reads the customers
 * table's ids only, as event-store.ts does: a page of customers through the
 * customers service would cost a query per customer to test for events.
 */
export async function customersRatedBy(
  db: Executor,
  script: { id: string; is_default: boolean },
  period: { start: Date; end: Date },
): Promise<string[]> {
  const result = await sql<{ id: string }>`
    select c.id from customers c
    left join usage_script_assignments a on a.customer_id = c.id
    where a.script_id = ${script.id}
       or (${script.is_default} and a.script_id is null
           and exists (select 1 from usage_events e
                       where e.customer_id = c.id and e.ts >= ${period.start} and e.ts < ${period.end}))
    order by c.id`.execute(db);
  return result.rows.map((row) => row.id);
}

export interface BacktestRecord {
  id: string;
  script_id: string;
  version_id: string;
  period_start: Date;
  period_end: Date;
  customer_id: string | null;
  summary: BacktestSummary;
  created_by: string;
  created_at: Date;
}

/** A version keeps its last backtest only: the new one replaces it (rows and errors cascade). */
export async function replaceBacktest(
  tx: Tx,
  record: BacktestRecord,
  rows: readonly BacktestRow[],
  errors: readonly BacktestError[],
): Promise<void> {
  // Two runs of one version at once: the second waits here, then replaces the first.
  await sql`select pg_advisory_xact_lock(hashtext(${`usage_backtests:${record.version_id}`}))`.execute(tx);
  await sql`delete from usage_backtests where version_id = ${record.version_id}`.execute(tx);
  await sql`insert into usage_backtests
    (id, script_id, version_id, period_start, period_end, customer_id, summary, created_by, created_at)
    values (${record.id}, ${record.script_id}, ${record.version_id}, ${record.period_start}, ${record.period_end},
      ${record.customer_id}, ${JSON.stringify(record.summary)}::jsonb, ${record.created_by}, ${record.created_at})`.execute(
    tx,
  );
  // One statement per thousand rows: jsonb_to_recordset takes the chunk as one parameter.
  for (let i = 0; i < rows.length; i += 1000) {
    const chunk = rows.slice(i, i + 1000).map((row) => ({
      position: row.position,
      customer_id: row.customer,
      customer_external_id: row.customer_external_id,
      currency: row.currency,
      code: row.code,
      dimensions: row.dimensions,
      quantity_before: row.before.quantity,
      amount_before: row.before.amount,
      quantity_after: row.after.quantity,
      amount_after: row.after.amount,
    }));
    await sql`insert into usage_backtest_rows
      select ${record.id}, r.* from jsonb_to_recordset(${JSON.stringify(chunk)}::jsonb) as r(
        position integer, customer_id text, customer_external_id text, currency text, code text,
        dimensions jsonb, quantity_before numeric, amount_before numeric, quantity_after numeric,
        amount_after numeric)`.execute(tx);
  }
  if (errors.length === 0) return;
  const errorRows = errors.map((error, index) => ({
    position: index + 1,
    customer_id: error.customer,
    transaction_id: error.transaction_id,
    ts: error.timestamp,
    before_error: error.before,
    after_error: error.after,
  }));
  await sql`insert into usage_backtest_errors
    select ${record.id}, r.* from jsonb_to_recordset(${JSON.stringify(errorRows)}::jsonb) as r(
      position integer, customer_id text, transaction_id text, ts timestamptz, before_error jsonb,
      after_error jsonb)`.execute(tx);
}

export async function findBacktest(db: Executor, id: string): Promise<BacktestRecord | undefined> {
  const result = await sql<BacktestRecord>`select * from usage_backtests where id = ${id}`.execute(db);
  return result.rows[0];
}

export interface StoredRow {
  position: number;
  customer_id: string;
  customer_external_id: string | null;
  currency: string;
  code: string;
  dimensions: Record<string, string>;
  quantity_before: string;
  amount_before: string;
  quantity_after: string;
  amount_after: string;
}

/** Rows after `afterPosition`, in order; the caller asks for one more than it shows to learn has_more. */
export async function backtestRowsAfter(
  db: Executor,
  id: string,
  afterPosition: number,
  limit: number,
): Promise<StoredRow[]> {
  const result = await sql<StoredRow>`
    select position, customer_id, customer_external_id, currency, code, dimensions,
      quantity_before::text as quantity_before, amount_before::text as amount_before,
      quantity_after::text as quantity_after, amount_after::text as amount_after
    from usage_backtest_rows where backtest_id = ${id} and position > ${afterPosition}
    order by position limit ${limit}`.execute(db);
  return result.rows;
}

export interface StoredError {
  customer_id: string;
  transaction_id: string | null;
  ts: Date | null;
  before_error: BacktestError["before"];
  after_error: BacktestError["after"];
}

export async function backtestErrorRows(db: Executor, id: string, limit: number): Promise<StoredError[]> {
  const result = await sql<StoredError>`
    select customer_id, transaction_id, ts, before_error, after_error from usage_backtest_errors
    where backtest_id = ${id} order by position limit ${limit}`.execute(db);
  return result.rows;
}
