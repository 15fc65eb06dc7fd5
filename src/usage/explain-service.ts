import { sql } from "kysely";
import { Temporal } from "temporal-polyfill";
import { priceFacts, rateCardVersionSummaries } from "../catalog/index.js";
import type { Deps } from "../kernel/deps.js";
import { DomainError } from "../kernel/errors.js";
import { isId } from "../kernel/ids.js";
import { Decimal, formatAmountForApi, roundToMinor } from "../kernel/money.js";
import type { StoredCharge } from "./charge-store.js";
import { eventApiId } from "./event-ids.js";
import { findMeterRowByCode } from "./meter-store.js";
import { meterQuantities } from "./meter-usage.js";
import { exactAmountText, USAGE_SOURCE_PREFIX } from "./rating-model.js";
import { type UsageInvoiceLine, usageInvoicing } from "./rating-port.js";

/**
 * Why an invoice line says what it says. A script-rated usage line (or a
 * usage adjustment) lists its charges, page by page, each with the event
 * that caused it, the script version and the rate card versions used, and
 * checks the arithmetic: charge amounts are exact (quantity × unit price),
 * and the line's amount is their exact sum rounded once to the currency's
 * minor unit. A meter-based line names its meter, the aggregation and
 * the quantity measured over the line's period.
 */

const iso = (date: Date | null) => (date === null ? null : date.toISOString());

function lineJson(line: UsageInvoiceLine) {
  return {
    id: line.id,
    invoice: line.invoice_id,
    invoice_status: line.invoice_status,
    invoice_number: line.invoice_number,
    description: line.description,
    quantity: new Decimal(line.quantity).toString(),
    unit_amount: new Decimal(line.unit_amount).toString(),
    amount: formatAmountForApi(new Decimal(line.amount), line.currency),
    currency: line.currency,
    period_start: iso(line.period_start),
    period_end: iso(line.period_end),
    source_type: line.source_type,
    source_id: line.source_id,
  };
}

/** Which charges a line is made of: a usage line's by line id, an adjustment's by its invoice item. */
function chargeFilter(line: UsageInvoiceLine): { column: string; value: string } | null {
  if (line.source_id?.startsWith(USAGE_SOURCE_PREFIX)) return { column: "invoice_line_id", value: line.id };
  if (line.source_type === "invoice_item" && line.source_id !== null) {
    return { column: "invoice_item_id", value: line.source_id };
  }
  return null;
}

export async function explainInvoiceLine(
  deps: Deps,
  lineId: string,
  page: { limit: number; starting_after?: string | undefined },
) {
  if (!isId("invoice_line", lineId)) {
    throw new DomainError("invalid_id", `${JSON.stringify(lineId)} is not an invoice line id`, { param: "id" });
  }
  const [line] = await usageInvoicing().lines(deps.db, [lineId]);
  if (line === undefined) {
    throw new DomainError("invoice_line_not_found", `no invoice line ${lineId}`, { param: "id" });
  }
  const filter = chargeFilter(line);
  const base = { object: "invoice_line_explanation" as const, line: lineJson(line) };
  if (filter !== null) return { ...base, kind: "rated_usage" as const, ...(await chargesOf(deps, line, filter, page)) };
  const meter = await meterExplanation(deps, line);
  if (meter !== null) return { ...base, kind: "metered" as const, meter };
  return { ...base, kind: "other" as const, note: "this line is not usage: it has no charges or meter behind it" };
}

async function chargesOf(
  deps: Deps,
  line: UsageInvoiceLine,
  filter: { column: string; value: string },
  page: { limit: number; starting_after?: string | undefined },
) {
  const totals = await deps.db
    .selectFrom("usage_charges")
    .select([sql<string>`coalesce(sum(amount), 0)`.as("amount"), sql<string>`count(*)`.as("count")])
    .where(filter.column, "=", filter.value)
    .executeTakeFirstOrThrow();
  let query = deps.db.selectFrom("usage_charges").selectAll().where(filter.column, "=", filter.value);
  if (page.starting_after !== undefined) query = query.where("id", ">", page.starting_after);
  const rows = (await query
    .orderBy("id")
    .limit(page.limit + 1)
    .execute()) as StoredCharge[];
  const shown = rows.slice(0, page.limit);
  const events = await eventsOf(deps, line.customer_id, shown);
  const sum = new Decimal(totals.amount);
  const rounded = roundToMinor(sum, line.currency);
  const lineAmount = new Decimal(line.amount);
  return {
    charges: {
      data: shown.map((charge) => ({
        id: charge.id,
        code: charge.code,
        description: charge.description,
        quantity: new Decimal(charge.quantity).toString(),
        unit_price: new Decimal(charge.unit_price).toString(),
        amount: exactAmountText(new Decimal(charge.amount), charge.currency),
        dimensions: charge.dimensions,
        event: charge.event_id === null ? null : (events.get(charge.event_id) ?? null),
        script_version: charge.script_version_id,
        rate_card_versions: charge.rate_card_version_ids,
        rating_run: charge.rating_run_id,
      })),
      has_more: rows.length > page.limit,
    },
    charge_groups: await chargeGroups(deps, filter, line.currency),
    script_versions: await scriptVersions(deps, filter),
    ...(await rateCards(deps, filter)),
    arithmetic: {
      charges: Number(totals.count),
      /** Exact, every digit the charges have. */
      sum_of_charges: exactAmountText(sum, line.currency),
      /** The exact sum rounded once, half away from zero, as the invoice line rounds it. */
      sum_of_charges_rounded: formatAmountForApi(rounded, line.currency),
      line_amount: formatAmountForApi(lineAmount, line.currency),
      matches: rounded.eq(lineAmount),
    },
  };
}

async function eventsOf(
  deps: Deps,
  customer: string,
  charges: readonly { event_id: string | null; event_ts: Date | null }[],
) {
  const withEvent = charges.filter((charge) => charge.event_id !== null);
  const found = new Map<string, unknown>();
  if (withEvent.length === 0) return found;
  // The timestamps let PostgreSQL read only the partitions and index ranges that hold these events.
  const rows = await deps.db
    .selectFrom("usage_events")
    .select(["id", "transaction_id", "type", "ts", "properties"])
    .where("customer_id", "=", customer)
    .where(
      "ts",
      "in",
      withEvent.map((charge) => charge.event_ts),
    )
    .where(
      "id",
      "in",
      withEvent.map((charge) => charge.event_id),
    )
    .execute();
  for (const row of rows) {
    found.set(row.id, {
      id: eventApiId(row.id),
      transaction_id: row.transaction_id,
      type: row.type,
      timestamp: row.ts.toISOString(),
      properties: row.properties,
    });
  }
  return found;
}

async function scriptVersions(deps: Deps, filter: { column: string; value: string }) {
  const rows = await deps.db
    .selectFrom("usage_script_versions as v")
    .innerJoin("usage_scripts as s", "s.id", "v.script_id")
    .select(["v.id", "v.number", "v.script_id", "s.name", "v.effective_from"])
    .where(
      "v.id",
      "in",
      deps.db.selectFrom("usage_charges").select("script_version_id").where(filter.column, "=", filter.value),
    )
    .orderBy("v.effective_from")
    .execute();
  return rows.map((row) => ({
    id: row.id,
    script: row.script_id,
    script_name: row.name,
    number: row.number,
    effective_from: iso(row.effective_from),
  }));
}

/** The rate card versions used, as ids and with the card each belongs to. */
async function rateCards(deps: Deps, filter: { column: string; value: string }) {
  const rows = await deps.db
    .selectFrom("usage_charges")
    .select(sql<string>`unnest(rate_card_version_ids)`.as("id"))
    .distinct()
    .where(filter.column, "=", filter.value)
    .execute();
  const ids = rows.map((row: { id: string }) => row.id).sort();
  return { rate_card_versions: ids, rate_cards: await rateCardVersionSummaries(deps, ids) };
}

/**
 * All the line's charges summed by code, dimensions and unit price, in the
 * order the script first emitted each, with exact amounts: the groups add
 * up to the exact sum that the line rounds, so an analyst can tick it
 * without paging through every charge.
 */
async function chargeGroups(deps: Deps, filter: { column: string; value: string }, currency: string) {
  const rows = (await deps.db
    .selectFrom("usage_charges")
    .select([
      "code",
      "dimensions",
      "unit_price",
      sql<string>`count(*)`.as("charges"),
      sql<string>`sum(quantity)`.as("quantity"),
      sql<string>`sum(amount)`.as("amount"),
    ])
    .where(filter.column, "=", filter.value)
    .groupBy(["code", "dimensions", "unit_price"])
    .orderBy(sql`min(id)`)
    .execute()) as {
    code: string;
    dimensions: Record<string, string>;
    unit_price: string;
    charges: string;
    quantity: string;
    amount: string;
  }[];
  return rows.map((row) => ({
    code: row.code,
    dimensions: row.dimensions,
    unit_price: new Decimal(row.unit_price).toString(),
    charges: Number(row.charges),
    quantity: new Decimal(row.quantity).toString(),
    amount: exactAmountText(new Decimal(row.amount), currency),
  }));
}

/** A metered price's line: its meter, the aggregation and the quantity over the line's period. */
async function meterExplanation(deps: Deps, line: UsageInvoiceLine) {
  if (
    line.source_id === null ||
    !isId("price", line.source_id) ||
    line.period_start === null ||
    line.period_end === null
  ) {
    return null;
  }
  const code = (await priceFacts(deps, line.source_id)).billable_metric;
  if (code === null || code === undefined) return null;
  const meter = await findMeterRowByCode(deps.db, code);
  if (meter === undefined) return { code, name: null, note: `no meter with code ${code}: nothing measured` };
  const range = {
    start: Temporal.Instant.fromEpochMilliseconds(line.period_start.getTime()),
    end: Temporal.Instant.fromEpochMilliseconds(line.period_end.getTime()),
  };
  const usage = await meterQuantities(deps.db, meter, line.customer_id, range);
  return {
    id: meter.id,
    code: meter.code,
    name: meter.name,
    event_type: meter.event_type,
    aggregation: meter.aggregation,
    value_property: meter.value_property,
    group_by: meter.group_by,
    quantity: usage.total.toString(),
    price: line.source_id,
  };
}
