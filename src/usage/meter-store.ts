import { type Kysely, type Selectable, sql } from "kysely";
import type { Executor } from "../kernel/db.js";
import type { PageRequest } from "../kernel/pagination.js";
import { paginate } from "../kernel/pagination.js";
import type { StoredEvent } from "./event-model.js";
import { numberArrayLiteral, textArrayLiteral } from "./event-store.js";
import type { MeterAggregation, MeterFilter, MeterValue } from "./meter-model.js";

/**
 * SQL for meters (migrations/0018_meters.sql): the meters table, the
 * generation row that tells every process its cached meters are stale, and
 * usage_meter_values' writes. Backfill reads usage_events (this module's
 * table) by type and time.
 */

interface MetersTable {
  id: string;
  code: string;
  name: string;
  description: string | null;
  event_type: string;
  filters: MeterFilter[];
  aggregation: MeterAggregation;
  value_property: string | null;
  group_by: string[];
  version: number;
  status: "active" | "archived";
  metadata: Record<string, string>;
  created_at: Date;
  updated_at: Date;
}

interface MeterTables {
  meters: MetersTable;
}

export type MeterRow = Selectable<MetersTable>;

const t = (db: Executor) => db as unknown as Kysely<MeterTables>;
// jsonb takes JSON text: pg would send a JS array as a PostgreSQL array.
const json = (value: unknown) => JSON.stringify(value) as never;

export async function insertMeterRow(db: Executor, row: MeterRow): Promise<void> {
  await t(db)
    .insertInto("meters")
    .values({ ...row, filters: json(row.filters), metadata: json(row.metadata) })
    .execute();
}

export async function updateMeterRow(db: Executor, row: MeterRow): Promise<void> {
  const { id, created_at: _created, ...fields } = row;
  await t(db)
    .updateTable("meters")
    .set({ ...fields, filters: json(fields.filters), metadata: json(fields.metadata) })
    .where("id", "=", id)
    .execute();
}

export async function findMeterRow(db: Executor, id: string, lock = false): Promise<MeterRow | undefined> {
  const query = t(db).selectFrom("meters").selectAll().where("id", "=", id);
  return (lock ? query.forUpdate() : query).executeTakeFirst();
}

export async function findMeterRowByCode(db: Executor, code: string): Promise<MeterRow | undefined> {
  return t(db).selectFrom("meters").selectAll().where("code", "=", code).executeTakeFirst();
}

export async function listMeterRows(
  db: Executor,
  query: PageRequest & { status?: "active" | "archived" | undefined; event_type?: string | undefined },
) {
  let q = t(db).selectFrom("meters").selectAll();
  if (query.status !== undefined) q = q.where("status", "=", query.status);
  if (query.event_type !== undefined) q = q.where("event_type", "=", query.event_type);
  return paginate(q, "id", query);
}

export async function activeMeterRows(db: Executor): Promise<MeterRow[]> {
  return t(db).selectFrom("meters").selectAll().where("status", "=", "active").orderBy("id").execute();
}

// ---------------------------------------------------------------- generation

/** Marks every process's cached meters stale; waits for ingestions in flight (they hold the row FOR SHARE). */
export async function bumpMeterGeneration(db: Executor): Promise<void> {
  await sql`update meter_generation set generation = generation + 1`.execute(db);
}

/**
 * The meters' generation, read FOR SHARE so a meter change waits for this
 * transaction and this transaction waits for a meter change in flight. The
 * database name keys the cache: a process may serve more than one.
 */
export async function lockMeterGeneration(db: Executor): Promise<{ database: string; generation: string }> {
  const result = await sql<{ database: string; generation: string }>`
    select current_database() as database, generation from meter_generation for share`.execute(db);
  const row = result.rows[0];
  if (row === undefined) throw new Error("meter_generation has its one row from migration 0018");
  return row;
}

// ---------------------------------------------------------------- values

/** Makes the month partitions the rows fall in (usage_meter_values_ensure_partition is idempotent). */
export async function ensureValuePartitions(db: Executor, months: readonly Date[]): Promise<void> {
  if (months.length === 0) return;
  await sql`select usage_meter_values_ensure_partition(m) from unnest(${months}::timestamptz[]) as m`.execute(db);
}

/**
 * One set-based insert for a batch's rows, column arrays through unnest.
 * The arrays are literals made by event-store.ts (times as epoch
 * milliseconds): the driver's formatting of each element, a Date's above
 * all, cost more than the rest of the projection.
 */
export async function insertMeterValues(db: Executor, rows: readonly MeterValue[]): Promise<void> {
  if (rows.length === 0) return;
  await sql`
    insert into usage_meter_values (meter_id, customer_id, ts, value, group_key, unique_key, event_id)
    select meter_id, customer_id, timestamptz 'epoch' + ts_ms * interval '1 millisecond', value, group_key::jsonb,
      unique_key, event_id
    from unnest(
      ${textArrayLiteral(rows.map((row) => row.meter_id))}::text[],
      ${textArrayLiteral(rows.map((row) => row.customer_id))}::text[],
      ${numberArrayLiteral(rows.map((row) => row.ts.getTime()))}::int8[],
      ${textArrayLiteral(rows.map((row) => row.value))}::numeric[],
      ${textArrayLiteral(rows.map((row) => row.group_key))}::text[],
      ${textArrayLiteral(rows.map((row) => row.unique_key))}::text[],
      ${textArrayLiteral(rows.map((row) => row.event_id))}::uuid[]
    ) as v (meter_id, customer_id, ts_ms, value, group_key, unique_key, event_id)`.execute(db);
}

export async function deleteMeterValues(
  db: Executor,
  meterId: string,
  range: { from: Date | null; to: Date | null },
): Promise<number> {
  const result = await sql`
    delete from usage_meter_values
    where meter_id = ${meterId}
      and (${range.from}::timestamptz is null or ts >= ${range.from})
      and (${range.to}::timestamptz is null or ts < ${range.to})`.execute(db);
  return Number(result.numAffectedRows ?? 0);
}

// ---------------------------------------------------------------- stored events, for backfill

export interface EventCursor {
  customer_id: string;
  ts: Date;
  id: string;
}

/**
 * A page of stored events of one type in [from, to), in (customer, time, id)
 * order after `after`: the order of the (customer_id, ts) index.
 */
export async function storedEventsPage(
  db: Executor,
  query: { type: string; from: Date | null; to: Date | null; after: EventCursor | null; limit: number },
): Promise<StoredEvent[]> {
  const after = query.after;
  const result = await sql<StoredEvent>`
    select id::text as id, customer_id, transaction_id, type, ts, properties
    from usage_events
    where type = ${query.type}
      and (${query.from}::timestamptz is null or ts >= ${query.from})
      and (${query.to}::timestamptz is null or ts < ${query.to})
      and (${after === null}::boolean or (customer_id, ts, id) > (${after?.customer_id ?? ""}, ${after?.ts ?? null}::timestamptz, ${after?.id ?? null}::uuid))
    order by customer_id, ts, id
    limit ${query.limit}`.execute(db);
  return result.rows;
}
