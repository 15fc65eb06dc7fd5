import { sql } from "kysely";
import type { Db, Executor, Tx } from "../kernel/db.js";

/**
 * SQL for the event tables (migrations/0016_usage_events.sql). The batch
 * insert is one statement whatever the batch size: arrays in, keys inserted
 * with ON CONFLICT DO NOTHING, and only the events whose key went in stored.
 * Arrays travel as array literals built here: the driver's per-element
 * escaping was a tenth of the application's time in the ledger's profile.
 */

export type EventSource = "api" | "batch" | "stream" | "import";

/** What the batch insert needs, as parallel columns (one entry per event). */
export interface EventColumns {
  ids: string[];
  customer_ids: string[];
  transaction_ids: string[];
  types: string[];
  ts_ms: number[];
  properties_json: string[];
}

const NEEDS_ESCAPE = /["\\]/;
// In JSON text, a backslash before anything but a quote or a backslash: an escape such as \n or \u0001.
const JSON_OTHER_ESCAPE = /\\[^"\\]/;

/**
 * `{"a","b\"c",NULL}`: a PostgreSQL array literal; every string quoted, so
 * commas, braces and the text NULL are data, and null is SQL NULL.
 */
export function textArrayLiteral(values: readonly (string | null)[]): string {
  // JSON.stringify writes `["a","b\"c",null]`, escaping quotes and backslashes exactly as an array
  // literal does, natively and four times faster than the loop below on JSON text. Control characters
  // and unpaired surrogates come out otherwise (\n, \ud800); arrays holding one take the loop.
  const json = JSON.stringify(values);
  if (!JSON_OTHER_ESCAPE.test(json)) return `{${json.slice(1, -1)}}`;
  let out = "{";
  for (let i = 0; i < values.length; i++) {
    const value = values[i] as string | null;
    if (i > 0) out += ",";
    if (value === null) out += "NULL";
    else out += NEEDS_ESCAPE.test(value) ? `"${value.replace(/[\\"]/g, "\\$&")}"` : `"${value}"`;
  }
  return `${out}}`;
}

export function numberArrayLiteral(values: readonly number[]): string {
  return `{${values.join(",")}}`;
}

// Months whose partition this process has seen made, per database handle.
const knownPartitions = new WeakMap<Db, Set<number>>();

function partitionsOf(db: Db): Set<number> {
  let months = knownPartitions.get(db);
  if (months === undefined) {
    months = new Set();
    knownPartitions.set(db, months);
  }
  return months;
}

/**
 * Makes sure each month has its partition. Each call is its own short
 * autocommit statement, never inside an ingestion's transaction: creating a
 * partition locks the parent table exclusively, and holding that lock until a
 * batch commits would stop every other ingestion. Remembered per process.
 */
export async function ensurePartitions(db: Db, monthStarts: Iterable<number>): Promise<void> {
  const known = partitionsOf(db);
  for (const month of monthStarts) {
    if (known.has(month)) continue;
    await sql`select usage_ensure_partition(timestamptz 'epoch' + ${month}::int8 * interval '1 millisecond')`.execute(
      db,
    );
    known.add(month);
  }
}

/** After retention dropped partitions (or another process did): ask the database again. */
export function forgetPartitions(db: Db): void {
  knownPartitions.delete(db);
}

/** PostgreSQL's "no partition of relation found for row": a partition was dropped under our cache. */
export function isMissingPartition(error: unknown): boolean {
  const pg = error as { code?: string; message?: string };
  return pg.code === "23514" && /no partition/.test(pg.message ?? "");
}

/**
 * Stores the events whose (customer, transaction id) is new, in one
 * statement; returns the ids of those not stored (their key was already
 * there), which is usually none: nothing comes back for a batch of new
 * events. The events must already be unique by key within the batch: both
 * copies would otherwise join the one key row inserted. Keys go in sorted:
 * neighbouring inserts then land on the same index pages, and two batches
 * sharing keys lock them in the same order instead of deadlocking.
 */
export async function insertEvents(
  tx: Tx,
  columns: EventColumns,
  received_at: Date,
  source: EventSource,
): Promise<Set<string>> {
  const result = await sql<{ id: string }>`
    with input as materialized (
      select * from unnest(
        ${textArrayLiteral(columns.ids)}::uuid[], ${textArrayLiteral(columns.customer_ids)}::text[],
        ${textArrayLiteral(columns.transaction_ids)}::text[], ${textArrayLiteral(columns.types)}::text[],
        ${numberArrayLiteral(columns.ts_ms)}::int8[], ${textArrayLiteral(columns.properties_json)}::text[]
      ) as t(id, customer_id, transaction_id, type, ts_ms, properties)
    ), k as (
      insert into usage_event_keys (customer_id, transaction_id, ts)
      select customer_id, transaction_id, timestamptz 'epoch' + ts_ms * interval '1 millisecond' from input
      order by customer_id, transaction_id
      on conflict do nothing
      returning customer_id, transaction_id
    ), e as (
      insert into usage_events (id, customer_id, transaction_id, type, ts, properties, received_at, source)
      select i.id, i.customer_id, i.transaction_id, i.type, timestamptz 'epoch' + i.ts_ms * interval '1 millisecond',
             i.properties::jsonb, ${received_at}, ${source}
      from input i join k on k.customer_id = i.customer_id and k.transaction_id = i.transaction_id
    )
    select i.id from input i
    where not exists (select from k where k.customer_id = i.customer_id and k.transaction_id = i.transaction_id)`.execute(
    tx,
  );
  const notStored = new Set<string>();
  for (const row of result.rows) notStored.add(row.id);
  return notStored;
}

/** An event received again: its customer, transaction id and the timestamp the repeat carried. */
export interface DuplicateEvent {
  customer_id: string;
  transaction_id: string;
  ts_ms: number;
}

/**
 * Keeps one row per repeat, at the timestamp the repeat carried, so the
 * reconciliation counts a period's duplicates as it counts its events. A
 * plain insert: concurrent batches of one customer share no counter row.
 */
export async function recordDuplicates(tx: Tx, duplicates: Iterable<DuplicateEvent>, received_at: Date): Promise<void> {
  const list = [...duplicates];
  if (list.length === 0) return;
  await sql`
    insert into usage_event_duplicates (customer_id, transaction_id, ts, received_at)
    select customer_id, transaction_id, timestamptz 'epoch' + ts_ms * interval '1 millisecond', ${received_at}
      from unnest(${textArrayLiteral(list.map((d) => d.customer_id))}::text[],
        ${textArrayLiteral(list.map((d) => d.transaction_id))}::text[],
        ${numberArrayLiteral(list.map((d) => d.ts_ms))}::int8[]) as d(customer_id, transaction_id, ts_ms)`.execute(tx);
}

/** The stored event a duplicate repeats (its id), found through its key's timestamp. */
export async function findStoredEventId(
  db: Executor,
  customer_id: string,
  transaction_id: string,
): Promise<string | null> {
  const result = await sql<{ id: string }>`
    select e.id from usage_event_keys k
    join usage_events e on e.customer_id = k.customer_id and e.ts = k.ts and e.transaction_id = k.transaction_id
    where k.customer_id = ${customer_id} and k.transaction_id = ${transaction_id}`.execute(db);
  return result.rows[0]?.id ?? null;
}

export interface UsageSettingsRow {
  max_event_age_days: number;
  retention_months: number | null;
  updated_at: Date | null;
}

export async function readUsageSettings(db: Executor, lock = false): Promise<UsageSettingsRow> {
  const result = lock
    ? await sql<UsageSettingsRow>`select max_event_age_days, retention_months, updated_at from usage_settings for update`.execute(
        db,
      )
    : await sql<UsageSettingsRow>`select max_event_age_days, retention_months, updated_at from usage_settings`.execute(
        db,
      );
  const row = result.rows[0];
  if (row === undefined) throw new Error("usage_settings has no row: migration 0016 not applied");
  return row;
}

export async function writeUsageSettings(tx: Tx, row: UsageSettingsRow): Promise<void> {
  await sql`update usage_settings set max_event_age_days = ${row.max_event_age_days},
    retention_months = ${row.retention_months}, updated_at = ${row.updated_at}`.execute(tx);
}
