import { type RawBuilder, sql } from "kysely";
import type { Executor } from "../kernel/db.js";
import { assertNever } from "../kernel/errors.js";
import { DAYS_DECIMALS, SECONDS_PER_DAY } from "./meter-aggregation.js";
import type { MeterAggregation } from "./meter-model.js";

/**
 * Usage of one meter for one customer over [from, to), aggregated in the
 * database through the (meter_id, customer_id, ts) index. The arithmetic
 * matches meter-aggregation.ts, which the tests hold it to.
 *
 * count, sum, max and unique_count are one GROUP BY with a grand total
 * (grouping sets). latest and time_weighted_sum need the value in force when
 * the period starts: the last value of each group before `from` joins the
 * period's values as if it arrived at `from`, and each value holds until the
 * next one of its group (lead()) or `to`.
 */

export interface UsageRow {
  /** null on the grand-total row. */
  group_key: string | null;
  quantity: string;
  /** Values inside the period (a group only carried in has 0). */
  points: string;
}

interface Scope {
  meter_id: string;
  customer_id: string;
  from: Date;
  to: Date;
}

function simpleExpression(aggregation: "count" | "sum" | "max" | "unique_count"): RawBuilder<string> {
  switch (aggregation) {
    case "count":
      return sql`count(*)`;
    case "sum":
      return sql`coalesce(sum(value), 0)`;
    case "max":
      return sql`coalesce(max(value), 0)`;
    case "unique_count":
      return sql`count(distinct unique_key)`;
    default:
      return assertNever(aggregation, "aggregation");
  }
}

async function simpleUsage(db: Executor, aggregation: "count" | "sum" | "max" | "unique_count", scope: Scope) {
  const result = await sql<UsageRow>`
    select case when grouping(group_key) = 1 then null else group_key::text end as group_key,
      ${simpleExpression(aggregation)}::text as quantity, count(*)::text as points
    from usage_meter_values
    where meter_id = ${scope.meter_id} and customer_id = ${scope.customer_id}
      and ts >= ${scope.from} and ts < ${scope.to}
    group by grouping sets ((group_key), ())`.execute(db);
  return result.rows;
}

/**
 * Per group: Σ value × seconds held (time_weighted_sum, as days rounded
 * once) and the last value (latest). `kind` orders a value carried in before
 * one that arrived exactly at `from`, which replaces it.
 */
async function heldUsage(db: Executor, aggregation: "latest" | "time_weighted_sum", scope: Scope) {
  const quantity =
    aggregation === "latest"
      ? sql`max(value) filter (where from_end = 1)`
      : sql`round(sum(value * extract(epoch from (coalesce(next_ts, ${scope.to}::timestamptz) - ts))) / ${SECONDS_PER_DAY}, ${DAYS_DECIMALS})`;
  const result = await sql<UsageRow>`
    with carried as (
      -- v.ts: a bare "ts" here would name the output column (the period's start).
      select distinct on (v.group_key) v.group_key, ${scope.from}::timestamptz as ts, v.value, 0 as kind, v.event_id
      from usage_meter_values as v
      where v.meter_id = ${scope.meter_id} and v.customer_id = ${scope.customer_id} and v.ts < ${scope.from}
      order by v.group_key, v.ts desc, v.event_id desc
    ), inside as (
      select group_key, ts, value, 1 as kind, event_id
      from usage_meter_values
      where meter_id = ${scope.meter_id} and customer_id = ${scope.customer_id}
        and ts >= ${scope.from} and ts < ${scope.to}
    ), held as (
      select group_key, ts, value, kind,
        lead(ts) over (partition by group_key order by ts, kind, event_id) as next_ts,
        row_number() over (partition by group_key order by ts desc, kind desc, event_id desc) as from_end
      from (select * from carried union all select * from inside) as points
    )
    select group_key::text as group_key, (${quantity})::text as quantity, count(*) filter (where kind = 1)::text as points
    from held
    group by group_key`.execute(db);
  return result.rows;
}

/** The rows of one meter's usage: one per group, plus a grand total for the simple aggregations. */
export async function usageRows(db: Executor, aggregation: MeterAggregation, scope: Scope): Promise<UsageRow[]> {
  switch (aggregation) {
    case "count":
    case "sum":
    case "max":
    case "unique_count":
      return simpleUsage(db, aggregation, scope);
    case "latest":
    case "time_weighted_sum":
      return heldUsage(db, aggregation, scope);
    default:
      return assertNever(aggregation, "aggregation");
  }
}
