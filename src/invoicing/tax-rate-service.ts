import type { Temporal } from "temporal-polyfill";
import { recordAudit } from "../access/index.js";
import { checkCountry } from "../customers/index.js";
import type { RequestContext } from "../kernel/actor.js";
import { fromDate, toDate } from "../kernel/clock.js";
import { inTransaction, lockKey, type Tx } from "../kernel/db.js";
import type { Deps } from "../kernel/deps.js";
import { DomainError } from "../kernel/errors.js";
import { newId, parseId } from "../kernel/ids.js";
import { parseAmount } from "../kernel/money.js";
import { emitEvent } from "../kernel/outbox.js";
import type { Page, PageRequest } from "../kernel/pagination.js";
import { parseDate } from "../kernel/time.js";
import "./pricing-errors.js";
import type { PricedTaxRate } from "./pricing.js";
import {
  findTaxRateRow,
  insertTaxRate,
  listTaxRateRows,
  overlappingTaxRates,
  type TaxRateFilter,
  type TaxRateRow,
  updateTaxRateRow,
} from "./pricing-store.js";

/**
 * The tax rate table: one row per rate and period. A rate that changes is
 * ended (effective_to) and a new row starts that day, so every invoice can be
 * traced to the row it was taxed under. Two rows for one place may not be in
 * force on the same day.
 */

export interface NewTaxRate {
  country: string;
  region?: string | null | undefined;
  percentage: string;
  name: string;
  inclusive?: boolean | undefined;
  effective_from: string;
  effective_to?: string | null | undefined;
}

export interface TaxRateChanges {
  name?: string | undefined;
  effective_to?: string | null | undefined;
}

export function taxRateJson(row: TaxRateRow) {
  return {
    object: "tax_rate" as const,
    id: row.id,
    country: row.country,
    region: row.region,
    percentage: parseAmount(row.percentage).toString(),
    name: row.name,
    inclusive: row.inclusive,
    effective_from: row.effective_from,
    effective_to: row.effective_to,
    created_at: fromDate(row.created_at).toString(),
    updated_at: fromDate(row.updated_at).toString(),
  };
}

export type TaxRateJson = ReturnType<typeof taxRateJson>;

/** A stored rate as the pure pricing path reads it. */
export function pricedTaxRate(row: TaxRateRow): PricedTaxRate {
  return {
    id: row.id,
    country: row.country,
    region: row.region,
    percentage: parseAmount(row.percentage).toString(),
    name: row.name,
    inclusive: row.inclusive,
    effective_from: row.effective_from,
    effective_to: row.effective_to,
  };
}

/** Outbox event, then the audit row last (its chain lock is then held only until commit). */
export async function recordPricingChange(
  tx: Tx,
  ctx: RequestContext,
  change: { action: string; object_type: string; object_id: string; before?: object | undefined; after: object },
  at: Temporal.Instant,
): Promise<void> {
  await emitEvent(tx, { type: change.action, data: { ...change.after } }, at, ctx.request_id);
  await recordAudit(tx, ctx, change, at);
}

function invalid(message: string, param: string): DomainError {
  return new DomainError("invalid_tax_rate", message, { param });
}

function checkSpan(from: string, to: string | null): void {
  if (to !== null && to <= from)
    throw invalid("effective_to is after effective_from (it is exclusive)", "effective_to");
}

async function refuseOverlap(
  tx: Tx,
  place: { country: string; region: string | null },
  span: { from: string; to: string | null },
  exceptId?: string,
): Promise<void> {
  // One place's rates change one at a time, so the overlap check cannot race.
  await lockKey(tx, "tax-rate", `${place.country}:${place.region ?? ""}`);
  const clashing = await overlappingTaxRates(tx, place, span, exceptId);
  const first = clashing[0];
  if (first !== undefined) {
    throw new DomainError(
      "tax_rate_overlap",
      `${first.id} is in force for the same place from ${first.effective_from}${first.effective_to === null ? "" : ` to ${first.effective_to}`}; end it first`,
      { param: "effective_from", details: { tax_rate: first.id } },
    );
  }
}

export async function createTaxRate(deps: Deps, ctx: RequestContext, input: NewTaxRate): Promise<TaxRateJson> {
  // The same ISO 3166-1 list customers' addresses are checked against, so every rate can match a customer.
  const country = checkCountry(input.country, "country");
  const region = input.region == null ? null : input.region.toUpperCase();
  if (region !== null && !/^[A-Z0-9]{1,3}$/.test(region)) {
    throw invalid('the ISO 3166-2 subdivision after the country: "CA", "QC"', "region");
  }
  const percentage = parseAmount(input.percentage, "percentage");
  if (percentage.isNegative() || percentage.greaterThan(100)) throw invalid("a percentage from 0 to 100", "percentage");
  const name = input.name.trim();
  if (name === "") throw invalid("a rate needs the name printed beside it", "name");
  const from = parseDate(input.effective_from, "effective_from").toString();
  const to = input.effective_to == null ? null : parseDate(input.effective_to, "effective_to").toString();
  checkSpan(from, to);
  return inTransaction(deps.db, async (tx) => {
    await refuseOverlap(tx, { country, region }, { from, to });
    const id = newId("tax_rate");
    const at = deps.clock.now();
    await insertTaxRate(tx, {
      id,
      country,
      region,
      percentage: percentage.toString(),
      name,
      inclusive: input.inclusive ?? false,
      effective_from: from,
      effective_to: to,
      created_at: toDate(at),
      updated_at: toDate(at),
    });
    const after = taxRateJson(await mustFind(tx, id));
    await recordPricingChange(
      tx,
      ctx,
      { action: "tax_rate.created", object_type: "tax_rate", object_id: id, after },
      at,
    );
    return after;
  });
}

async function mustFind(tx: Tx | Deps["db"], id: string, lock = false): Promise<TaxRateRow> {
  const row = await findTaxRateRow(tx, parseId("tax_rate", id, "id"), lock);
  if (row === undefined) throw new DomainError("tax_rate_missing", `no tax rate ${id}`, { param: "id" });
  return row;
}

/** Only the name and the end date change; a new percentage is a new rate. */
export async function updateTaxRate(
  deps: Deps,
  ctx: RequestContext,
  id: string,
  changes: TaxRateChanges,
): Promise<TaxRateJson> {
  return inTransaction(deps.db, async (tx) => {
    const row = await mustFind(tx, id, true);
    const before = taxRateJson(row);
    const name = changes.name === undefined ? row.name : changes.name.trim();
    if (name === "") throw invalid("a rate needs the name printed beside it", "name");
    const to =
      changes.effective_to === undefined
        ? row.effective_to
        : changes.effective_to === null
          ? null
          : parseDate(changes.effective_to, "effective_to").toString();
    checkSpan(row.effective_from, to);
    if (to !== row.effective_to) {
      await refuseOverlap(tx, row, { from: row.effective_from, to }, row.id);
    }
    const at = deps.clock.now();
    await updateTaxRateRow(tx, row.id, { name, effective_to: to, updated_at: toDate(at) });
    const after = taxRateJson(await mustFind(tx, row.id));
    await recordPricingChange(
      tx,
      ctx,
      { action: "tax_rate.updated", object_type: "tax_rate", object_id: row.id, before, after },
      at,
    );
    return after;
  });
}

export async function getTaxRate(deps: Deps, id: string): Promise<TaxRateJson> {
  return taxRateJson(await mustFind(deps.db, id));
}

export async function listTaxRates(deps: Deps, filter: TaxRateFilter, page: PageRequest): Promise<Page<TaxRateJson>> {
  const activeOn = filter.active_on === undefined ? undefined : parseDate(filter.active_on, "active_on").toString();
  const rows = await listTaxRateRows(deps.db, { country: filter.country, active_on: activeOn }, page);
  return { data: rows.data.map(taxRateJson), has_more: rows.has_more };
}
