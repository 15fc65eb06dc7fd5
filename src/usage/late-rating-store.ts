import { sql } from "kysely";
import type { Executor, Tx } from "../kernel/db.js";
import type { PeriodKey } from "./charge-store.js";

/**
 * SQL for usage_late_ratings (migrations 0026 and 0037): periods owed a
 * re-rating, after late events or a backdated rate card version.
 */

/** What a period is owed a re-rating for: late events, the rate card versions approved over it, or both. */
export interface OwedFor {
  late_events: boolean;
  rate_card_version_ids: string[];
}

export interface LateRatingRow extends PeriodKey, OwedFor {
  requests: string;
}

/**
 * One row per period, counting the requests and gathering their reasons;
 * `periods` sorted so concurrent batches lock rows in one order.
 */
export async function recordLateRatings(tx: Tx, periods: readonly PeriodKey[], owed: OwedFor, at: Date): Promise<void> {
  if (periods.length === 0) return;
  await sql`
    insert into usage_late_ratings (customer_id, period_start, period_end, first_requested_at, last_requested_at,
                                    late_events, rate_card_version_ids)
    select p.customer_id, p.period_start, p.period_end, ${at}, ${at}, ${owed.late_events},
           ${owed.rate_card_version_ids}::text[]
      from unnest(${periods.map((p) => p.customer_id)}::text[], ${periods.map((p) => p.period_start)}::timestamptz[],
                  ${periods.map((p) => p.period_end)}::timestamptz[]) as p(customer_id, period_start, period_end)
    on conflict (customer_id, period_start, period_end) do update
      set requests = usage_late_ratings.requests + 1, last_requested_at = excluded.last_requested_at,
          late_events = usage_late_ratings.late_events or excluded.late_events,
          rate_card_version_ids = array(
            select distinct v from unnest(usage_late_ratings.rate_card_version_ids || excluded.rate_card_version_ids) as v
             order by v)`.execute(tx);
}

export async function findLateRating(db: Executor, period: PeriodKey): Promise<LateRatingRow | undefined> {
  const found = await sql<LateRatingRow>`
    select customer_id, period_start, period_end, requests::text as requests, late_events, rate_card_version_ids
      from usage_late_ratings
     where customer_id = ${period.customer_id} and period_start = ${period.period_start}
       and period_end = ${period.period_end}`.execute(db);
  return found.rows[0];
}

/** Done: deleted unless another batch asked while the period was being rated (then its own job rates it again). */
export async function deleteLateRating(db: Executor, row: LateRatingRow): Promise<void> {
  await sql`
    delete from usage_late_ratings
     where customer_id = ${row.customer_id} and period_start = ${row.period_start}
       and period_end = ${row.period_end} and requests = ${row.requests}::bigint`.execute(db);
}

/** The periods owed a re-rating for these customers, oldest first. */
export async function lateRatingsOf(db: Executor, customerIds: readonly string[]): Promise<LateRatingRow[]> {
  if (customerIds.length === 0) return [];
  const found = await sql<LateRatingRow>`
    select customer_id, period_start, period_end, requests::text as requests, late_events, rate_card_version_ids
      from usage_late_ratings
     where customer_id = any(${[...customerIds]}::text[])
     order by period_start, customer_id, period_end`.execute(db);
  return found.rows;
}
