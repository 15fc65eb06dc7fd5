import type { Temporal } from "temporal-polyfill";
import { recordAudit } from "../access/index.js";
import type { RequestContext } from "../kernel/actor.js";
import { fromDate, toDate } from "../kernel/clock.js";
import { type Executor, inTransaction, type Tx } from "../kernel/db.js";
import type { Deps } from "../kernel/deps.js";
import { DomainError } from "../kernel/errors.js";
import { newId } from "../kernel/ids.js";
import type { Page, PageRequest } from "../kernel/pagination.js";
import "./errors.js";
import {
  checkMeterCode,
  checkMeterDefinition,
  type MeterDefinition,
  meterValuesOf,
  sameDefinition,
} from "./meter-model.js";
import { meterOf, writeMeterValues } from "./meter-projection.js";
import {
  bumpMeterGeneration,
  deleteMeterValues,
  type EventCursor,
  findMeterRow,
  findMeterRowByCode,
  insertMeterRow,
  listMeterRows,
  type MeterRow,
  storedEventsPage,
  updateMeterRow,
} from "./meter-store.js";

/**
 * Meters: create, change, archive and re-project. A meter's values are
 * projected when events are stored, so a change to what it measures must
 * re-project the events already stored: a change of definition is a new
 * version of the meter, and its values from `reproject_from` on (default:
 * all) are rebuilt from the stored events in the same transaction. Values
 * before `reproject_from` keep the earlier version's reading, which is what
 * finalized invoices billed. Every change is audited with before and after.
 */

export function meterJson(row: MeterRow) {
  return {
    object: "meter" as const,
    id: row.id,
    code: row.code,
    name: row.name,
    description: row.description,
    event_type: row.event_type,
    filters: row.filters,
    aggregation: row.aggregation,
    value_property: row.value_property,
    group_by: row.group_by,
    version: row.version,
    status: row.status,
    metadata: row.metadata,
    created_at: fromDate(row.created_at).toString(),
    updated_at: fromDate(row.updated_at).toString(),
  };
}

export type MeterJson = ReturnType<typeof meterJson>;

export interface NewMeter extends Partial<MeterDefinition> {
  code: string;
  name: string;
  description?: string | null | undefined;
  metadata?: Record<string, string> | undefined;
}

export interface MeterChanges extends Partial<MeterDefinition> {
  name?: string | undefined;
  description?: string | null | undefined;
  metadata?: Record<string, string> | undefined;
  /** With a definition change: rebuild values from this instant on (default: all stored events). */
  reproject_from?: Temporal.Instant | undefined;
}

export interface ReprojectRange {
  from?: Temporal.Instant | undefined;
  to?: Temporal.Instant | undefined;
}

function meterNotFound(id: string): DomainError {
  return new DomainError("meter_not_found", `no meter ${JSON.stringify(id)}`, { param: "id" });
}

/** A meter by id (mtr_…) or by code. */
export async function loadMeterRow(db: Executor, reference: string, lock = false): Promise<MeterRow> {
  const row = reference.startsWith("mtr_")
    ? await findMeterRow(db, reference, lock)
    : await findMeterRowByCode(db, reference);
  if (row === undefined) throw meterNotFound(reference);
  return lock && !reference.startsWith("mtr_") ? ((await findMeterRow(db, row.id, true)) ?? row) : row;
}

const BACKFILL_PAGE = 5_000;

/**
 * Rebuilds a meter's values in [from, to) from the stored events, through
 * the same projection ingestion uses, a page of events at a time.
 */
async function reproject(tx: Tx, row: MeterRow, range: ReprojectRange): Promise<{ deleted: number; written: number }> {
  const from = range.from === undefined ? null : toDate(range.from);
  const to = range.to === undefined ? null : toDate(range.to);
  const deleted = await deleteMeterValues(tx, row.id, { from, to });
  if (row.status !== "active") return { deleted, written: 0 };
  const meters = new Map([[row.event_type, [meterOf(row)]]]);
  let after: EventCursor | null = null;
  let written = 0;
  for (;;) {
    const events = await storedEventsPage(tx, { type: row.event_type, from, to, after, limit: BACKFILL_PAGE });
    const rows = meterValuesOf(meters, events);
    await writeMeterValues(tx, rows);
    written += rows.length;
    const last = events.at(-1);
    if (last === undefined || events.length < BACKFILL_PAGE) break;
    after = { customer_id: last.customer_id, ts: last.ts, id: last.id };
  }
  return { deleted, written };
}

function checkName(name: unknown): string {
  if (typeof name !== "string" || name.trim().length === 0 || name.length > 200) {
    throw new DomainError("invalid_meter", "a name of 1 to 200 characters", { param: "name" });
  }
  return name;
}

async function audit(
  tx: Tx,
  ctx: RequestContext,
  action: string,
  before: MeterJson | undefined,
  after: MeterJson,
  at: Temporal.Instant,
) {
  await recordAudit(tx, ctx, { action, object_type: "meter", object_id: after.id, before, after }, at);
}

/** Creates a meter and projects the events already stored onto it. */
export async function createMeter(deps: Deps, ctx: RequestContext, input: NewMeter): Promise<MeterJson> {
  const code = checkMeterCode(input.code);
  const name = checkName(input.name);
  const definition = checkMeterDefinition({ ...input, event_type: input.event_type, aggregation: input.aggregation });
  return inTransaction(deps.db, async (tx) => {
    if ((await findMeterRowByCode(tx, code)) !== undefined) {
      throw new DomainError("meter_code_taken", `a meter ${code} exists already`, { param: "code" });
    }
    const at = deps.clock.now();
    const row: MeterRow = {
      id: newId("meter"),
      code,
      name,
      description: input.description ?? null,
      ...definition,
      version: 1,
      status: "active",
      metadata: input.metadata ?? {},
      created_at: toDate(at),
      updated_at: toDate(at),
    };
    await insertMeterRow(tx, row).catch((error: unknown) => {
      // Two requests creating the same code at once: the unique index decides.
      if ((error as { code?: string }).code !== "23505") throw error;
      throw new DomainError("meter_code_taken", `a meter ${code} exists already`, { param: "code" });
    });
    await bumpMeterGeneration(tx);
    await reproject(tx, row, {});
    const after = meterJson(row);
    await audit(tx, ctx, "meter.created", undefined, after, at);
    return after;
  });
}

/**
 * Changes a meter. Name, description and metadata change in place; a change
 * to what it measures is a new version and re-projects the stored events
 * from `reproject_from` on.
 */
export async function updateMeter(
  deps: Deps,
  ctx: RequestContext,
  id: string,
  changes: MeterChanges,
): Promise<MeterJson> {
  return inTransaction(deps.db, async (tx) => {
    const row = await loadMeterRow(tx, id, true);
    if (row.status === "archived") throw new DomainError("meter_archived", `meter ${row.code} is archived`);
    const definition = checkMeterDefinition({
      event_type: changes.event_type ?? row.event_type,
      filters: changes.filters ?? row.filters,
      aggregation: changes.aggregation ?? row.aggregation,
      value_property: changes.value_property === undefined ? row.value_property : changes.value_property,
      group_by: changes.group_by ?? row.group_by,
    });
    const redefined = !sameDefinition(definition, row);
    const at = deps.clock.now();
    const next: MeterRow = {
      ...row,
      ...definition,
      name: changes.name === undefined ? row.name : checkName(changes.name),
      description: changes.description === undefined ? row.description : changes.description,
      metadata: changes.metadata ?? row.metadata,
      version: redefined ? row.version + 1 : row.version,
      updated_at: toDate(at),
    };
    await updateMeterRow(tx, next);
    await bumpMeterGeneration(tx);
    if (redefined) await reproject(tx, next, { from: changes.reproject_from });
    const after = meterJson(next);
    await audit(tx, ctx, redefined ? "meter.redefined" : "meter.updated", meterJson(row), after, at);
    return after;
  });
}

/** Stops projecting new events; the values already counted stay (they may have been billed). */
export async function archiveMeter(deps: Deps, ctx: RequestContext, id: string): Promise<MeterJson> {
  return inTransaction(deps.db, async (tx) => {
    const row = await loadMeterRow(tx, id, true);
    if (row.status === "archived") return meterJson(row);
    const at = deps.clock.now();
    const next: MeterRow = { ...row, status: "archived", updated_at: toDate(at) };
    await updateMeterRow(tx, next);
    await bumpMeterGeneration(tx);
    const after = meterJson(next);
    await audit(tx, ctx, "meter.archived", meterJson(row), after, at);
    return after;
  });
}

/**
 * Rebuilds a meter's values over a range from the stored events: after
 * events were stored while the meter was archived, or to check a period.
 */
export async function backfillMeter(deps: Deps, ctx: RequestContext, id: string, range: ReprojectRange) {
  if (range.from !== undefined && range.to !== undefined && range.from.epochNanoseconds >= range.to.epochNanoseconds) {
    throw new DomainError("invalid_usage_range", "`to` must be after `from`", { param: "to" });
  }
  return inTransaction(deps.db, async (tx) => {
    const row = await loadMeterRow(tx, id, true);
    if (row.status === "archived") throw new DomainError("meter_archived", `meter ${row.code} is archived`);
    // Waits for ingestions in flight, so their events are read below.
    await bumpMeterGeneration(tx);
    const counts = await reproject(tx, row, range);
    const at = deps.clock.now();
    const result = {
      object: "meter_backfill" as const,
      meter: row.id,
      from: range.from?.toString() ?? null,
      to: range.to?.toString() ?? null,
      values_removed: counts.deleted,
      values_written: counts.written,
    };
    await recordAudit(
      tx,
      ctx,
      { action: "meter.backfilled", object_type: "meter", object_id: row.id, after: result },
      at,
    );
    return result;
  });
}

export async function getMeter(deps: Deps, id: string): Promise<MeterJson> {
  return meterJson(await loadMeterRow(deps.db, id));
}

export async function listMeters(
  deps: Deps,
  query: PageRequest & { status?: "active" | "archived" | undefined; event_type?: string | undefined },
): Promise<{ object: "list"; data: MeterJson[]; has_more: boolean }> {
  const page: Page<MeterRow> = await listMeterRows(deps.db, query);
  return { object: "list", data: page.data.map(meterJson), has_more: page.has_more };
}
