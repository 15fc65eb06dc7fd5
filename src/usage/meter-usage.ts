import { Temporal } from "temporal-polyfill";
import { customerDeps, getCustomer } from "../customers/index.js";
import { toDate } from "../kernel/clock.js";
import type { Executor } from "../kernel/db.js";
import type { Deps } from "../kernel/deps.js";
import { DomainError } from "../kernel/errors.js";
import { Decimal } from "../kernel/money.js";
import { customerSubscriptionIds, getSubscription } from "../subscriptions/index.js";
import { loadMeterRow } from "./meter-service.js";
import { activeMeterRows, type MeterRow } from "./meter-store.js";
import { type UsageRow, usageRows } from "./meter-usage-store.js";

/**
 * Reading usage: one customer's quantity per meter over a range, or over
 * "this period so far" (the current period of the customer's subscription,
 * else the calendar month in the customer's time zone, up to now). The same
 * reading feeds metered prices (meter-billing.ts).
 */

export interface UsageRange {
  start: Temporal.Instant;
  end: Temporal.Instant;
}

/** How the range was chosen, so a reader knows what "current" meant. */
export type UsageRangeSource = "range" | "subscription_period" | "calendar_month";

export interface UsageQuery {
  meter?: string | undefined;
  from?: Temporal.Instant | undefined;
  to?: Temporal.Instant | undefined;
  period?: "current" | undefined;
}

/** One meter's usage; the total is what a metered price bills. */
export async function meterQuantities(db: Executor, meter: MeterRow, customerId: string, range: UsageRange) {
  const rows = await usageRows(db, meter.aggregation, {
    meter_id: meter.id,
    customer_id: customerId,
    from: toDate(range.start),
    to: toDate(range.end),
  });
  return usageOfRows(meter, rows);
}

/**
 * Groups with values in the period, or with a quantity carried in (pallets
 * still held); the total is the database's grand total where it made one,
 * else the sum of the groups (meter-aggregation.ts's meterUsage).
 */
function usageOfRows(meter: MeterRow, rows: readonly UsageRow[]) {
  const groups = rows
    .filter((row) => row.group_key !== null)
    .filter((row) => row.points !== "0" || !new Decimal(row.quantity).isZero())
    .map((row) => ({
      group: JSON.parse(row.group_key ?? "{}") as Record<string, string | null>,
      // numeric's round() keeps trailing zeros ("160.000000").
      quantity: new Decimal(row.quantity).toString(),
    }))
    .sort((a, b) => JSON.stringify(a.group).localeCompare(JSON.stringify(b.group)));
  const grand = rows.find((row) => row.group_key === null);
  const total =
    grand === undefined
      ? groups.reduce((sum, group) => sum.plus(group.quantity), new Decimal(0))
      : new Decimal(grand.quantity);
  return { total, groups: meter.group_by.length === 0 ? [] : groups };
}

/** The current period of the customer's oldest running subscription, else its calendar month. */
async function currentRange(deps: Deps, customerId: string, timeZone: string) {
  for (const id of await customerSubscriptionIds(deps, customerId)) {
    const period = (await getSubscription(deps, id)).current_period;
    if (period !== null) {
      const range = { start: Temporal.Instant.from(period.start), end: Temporal.Instant.from(period.end) };
      return { range, source: "subscription_period" as const, subscription: id };
    }
  }
  const now = (await customerDeps(deps, customerId)).clock.now().toZonedDateTimeISO(timeZone);
  const start = now.with({ day: 1 }).startOfDay();
  const range = { start: start.toInstant(), end: start.add({ months: 1 }).toInstant() };
  return { range, source: "calendar_month" as const, subscription: null };
}

function explicitRange(query: UsageQuery): UsageRange {
  if (query.from === undefined || query.to === undefined) {
    const param = query.from === undefined ? "from" : "to";
    throw new DomainError("invalid_usage_range", "give from and to, or period=current", { param });
  }
  if (query.from.epochNanoseconds >= query.to.epochNanoseconds) {
    throw new DomainError("invalid_usage_range", "`to` must be after `from`", { param: "to" });
  }
  const days = query.from.until(query.to, { largestUnit: "hours" }).hours / 24;
  if (days > 3700) throw new DomainError("invalid_usage_range", "at most ten years at a time", { param: "to" });
  return { start: query.from, end: query.to };
}

/**
 * `GET /v1/customers/{id}/usage`: per meter (one, or every active meter),
 * the total and the groups. With period=current the range is the period so
 * far: values up to now are all there are, so the period's end is given.
 */
export async function customerUsage(deps: Deps, customerReference: string, query: UsageQuery) {
  if (query.period === "current" && (query.from !== undefined || query.to !== undefined)) {
    throw new DomainError("invalid_usage_range", "period=current takes no from or to", { param: "period" });
  }
  // The customer and the meters are independent reads: asked at once, a call waits for one round
  // trip, not two. Their errors are still reported in order: the customer's, the range's, the meter's.
  const [found, metersFound] = await Promise.allSettled([
    getCustomer(deps, customerReference),
    query.meter === undefined ? activeMeterRows(deps.db) : meterOrParam(deps, query.meter).then((meter) => [meter]),
  ]);
  if (found.status === "rejected") throw found.reason;
  const customer = found.value;
  const chosen =
    query.period === "current"
      ? await currentRange(deps, customer.id, customer.time_zone)
      : { range: explicitRange(query), source: "range" as const, subscription: null };
  if (metersFound.status === "rejected") throw metersFound.reason;
  const meters = metersFound.value;
  const data = [];
  for (const meter of meters) {
    const usage = await meterQuantities(deps.db, meter, customer.id, chosen.range);
    data.push({
      meter: meter.id,
      code: meter.code,
      name: meter.name,
      aggregation: meter.aggregation,
      quantity: usage.total.toString(),
      groups: usage.groups.map((group) => ({ group: group.group, quantity: group.quantity })),
    });
  }
  return {
    object: "usage" as const,
    customer: customer.id,
    period: {
      start: chosen.range.start.toString(),
      end: chosen.range.end.toString(),
      source: chosen.source as UsageRangeSource,
      subscription: chosen.subscription,
    },
    data,
  };
}

export type CustomerUsageJson = Awaited<ReturnType<typeof customerUsage>>;

async function meterOrParam(deps: Deps, reference: string): Promise<MeterRow> {
  try {
    return await loadMeterRow(deps.db, reference);
  } catch (error) {
    if (error instanceof DomainError && error.code === "meter_not_found") {
      throw new DomainError("meter_not_found", error.message, { param: "meter" });
    }
    throw error;
  }
}
