import type { Executor } from "../kernel/db.js";
import type { StoredEvent } from "./event-model.js";
import { type Meter, type MeterValue, meterValuesOf } from "./meter-model.js";
import {
  activeMeterRows,
  ensureValuePartitions,
  insertMeterValues,
  lockMeterGeneration,
  type MeterRow,
} from "./meter-store.js";

/**
 * Projection: the meter values of events as they are stored, written in the
 * ingestion transaction, so an event is counted exactly when it is stored.
 *
 * Active meters are cached per database and reloaded when the meters'
 * generation moves (every meter change bumps it). Reading the generation
 * FOR SHARE costs one short query per batch and orders this transaction
 * against meter changes: a change waits for the batches in flight, so a new
 * meter's backfill sees their events, and a batch that starts during a
 * change waits for it and projects with the new meters.
 */

export function meterOf(row: MeterRow): Meter {
  return {
    id: row.id,
    code: row.code,
    name: row.name,
    version: row.version,
    status: row.status,
    event_type: row.event_type,
    filters: row.filters,
    aggregation: row.aggregation,
    value_property: row.value_property,
    group_by: row.group_by,
  };
}

interface CachedMeters {
  generation: string;
  byType: Map<string, Meter[]>;
}

const cache = new Map<string, CachedMeters>();

function byEventType(meters: readonly Meter[]): Map<string, Meter[]> {
  const byType = new Map<string, Meter[]>();
  for (const meter of meters) byType.set(meter.event_type, [...(byType.get(meter.event_type) ?? []), meter]);
  return byType;
}

/** The active meters by event type, current for this transaction. */
async function currentMeters(trx: Executor): Promise<Map<string, Meter[]>> {
  const { database, generation } = await lockMeterGeneration(trx);
  const cached = cache.get(database);
  if (cached !== undefined && cached.generation === generation) return cached.byType;
  const byType = byEventType((await activeMeterRows(trx)).map(meterOf));
  cache.set(database, { generation, byType });
  return byType;
}

const MONTH_KEY = (ts: Date) => `${ts.getUTCFullYear()}-${ts.getUTCMonth()}`;

/** The first instant of each UTC month the rows fall in, for the partitions. */
function monthsOf(rows: readonly MeterValue[]): Date[] {
  const months = new Map<string, Date>();
  for (const row of rows) {
    const key = MONTH_KEY(row.ts);
    if (!months.has(key)) months.set(key, new Date(Date.UTC(row.ts.getUTCFullYear(), row.ts.getUTCMonth(), 1)));
  }
  return [...months.values()];
}

/** Writes the rows of a batch, making their month partitions first. */
export async function writeMeterValues(trx: Executor, rows: readonly MeterValue[]): Promise<void> {
  if (rows.length === 0) return;
  await ensureValuePartitions(trx, monthsOf(rows));
  await insertMeterValues(trx, rows);
}

/**
 * Called by ingestion inside the transaction that stores `events` (the
 * accepted ones only): evaluates the active meters of each event's type and
 * writes their values with one set-based insert.
 */
export async function projectEventsToMeters(trx: Executor, events: readonly StoredEvent[]): Promise<void> {
  if (events.length === 0) return;
  const meters = await currentMeters(trx);
  if (meters.size === 0) return;
  await writeMeterValues(trx, meterValuesOf(meters, events));
}
