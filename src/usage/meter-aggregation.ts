import type { Temporal } from "temporal-polyfill";
import { assertNever } from "../kernel/errors.js";
import { Decimal } from "../kernel/money.js";
import type { MeterAggregation } from "./meter-model.js";

/**
 * How each aggregation turns a period's values into a quantity: the
 * reference the SQL in meter-usage-store.ts is tested against. Values are in
 * time order (ties in event order). Periods are half-open [start, end).
 *
 * time_weighted_sum is in days: a value holds from its event until the next
 * value of the same customer and group, or the period's end, and
 * contributes value × seconds held / 86,400 (a 3PL bills pallets × days).
 * The value in force when the period starts (the last one before it) holds
 * from the start. Seconds are counted as finely as timestamps are stored
 * (milliseconds); the days are rounded once, half up, to DAYS_DECIMALS.
 */

export const SECONDS_PER_DAY = 86_400;
/** 0.000001 day is 0.0864 s: finer than any billing needs, coarse enough to read. */
export const DAYS_DECIMALS = 6;

export interface MeterPoint {
  ts: Temporal.Instant;
  value: Decimal;
  unique_key: string | null;
}

export interface GroupSeries {
  /** The group's properties as JSON object text ({} without groups). */
  group_key: string;
  /** The last value before the period, for latest and time_weighted_sum. */
  carried?: MeterPoint | undefined;
  /** The period's values, in time order. */
  points: readonly MeterPoint[];
}

export interface Usage {
  total: Decimal;
  groups: { group_key: string; quantity: Decimal }[];
}

const ZERO = new Decimal(0);

function secondsBetween(from: Temporal.Instant, to: Temporal.Instant): Decimal {
  return new Decimal((to.epochNanoseconds - from.epochNanoseconds).toString()).div(1e9);
}

/** Σ value × seconds held, as days rounded once. */
export function timeWeightedDays(
  period: { start: Temporal.Instant; end: Temporal.Instant },
  series: Pick<GroupSeries, "carried" | "points">,
): Decimal {
  const held = [...(series.carried === undefined ? [] : [{ ...series.carried, ts: period.start }]), ...series.points];
  let valueSeconds = ZERO;
  held.forEach((point, index) => {
    const until = held[index + 1]?.ts ?? period.end;
    valueSeconds = valueSeconds.plus(point.value.times(secondsBetween(point.ts, until)));
  });
  return valueSeconds.div(SECONDS_PER_DAY).toDecimalPlaces(DAYS_DECIMALS, Decimal.ROUND_HALF_UP);
}

/** One group's quantity for the period. */
export function groupQuantity(
  aggregation: MeterAggregation,
  period: { start: Temporal.Instant; end: Temporal.Instant },
  series: Pick<GroupSeries, "carried" | "points">,
): Decimal {
  const values = series.points.map((point) => point.value);
  switch (aggregation) {
    case "count":
      return new Decimal(series.points.length);
    case "sum":
      return values.reduce((sum, value) => sum.plus(value), ZERO);
    case "max":
      return values.length === 0 ? ZERO : Decimal.max(...values);
    case "unique_count":
      return new Decimal(new Set(series.points.map((point) => point.unique_key)).size);
    case "latest":
      // Nothing in the period: what was in force before still is (pallets held over from last month).
      return series.points.at(-1)?.value ?? series.carried?.value ?? ZERO;
    case "time_weighted_sum":
      return timeWeightedDays(period, series);
    default:
      return assertNever(aggregation, "aggregation");
  }
}

/**
 * The period's usage per group and in total. The total of count, sum,
 * latest and time_weighted_sum is the sum of the groups (pallets held in
 * every warehouse); of max, the largest; of unique_count, the distinct keys
 * across all groups (one SKU stored in two warehouses is one SKU).
 */
export function meterUsage(
  aggregation: MeterAggregation,
  period: { start: Temporal.Instant; end: Temporal.Instant },
  series: readonly GroupSeries[],
): Usage {
  const groups = series
    .map((group) => ({ group_key: group.group_key, quantity: groupQuantity(aggregation, period, group) }))
    .filter((group, index) => (series[index]?.points.length ?? 0) > 0 || !group.quantity.isZero());
  let total: Decimal;
  if (aggregation === "max") {
    total = groups.length === 0 ? ZERO : Decimal.max(...groups.map((group) => group.quantity));
  } else if (aggregation === "unique_count") {
    total = new Decimal(new Set(series.flatMap((group) => group.points.map((point) => point.unique_key))).size);
  } else {
    total = groups.reduce((sum, group) => sum.plus(group.quantity), ZERO);
  }
  return { total, groups };
}
