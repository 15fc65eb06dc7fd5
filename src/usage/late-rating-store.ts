import { sql } from "kysely";
import type { Executor, Tx } from "../kernel/db.js";
import type { PeriodKey } from "./charge-store.js";

/** SQL for usage_late_ratings (migrations/0026_usage_late_ratings.sql): periods owed a re-rating after late events. */

export interface LateRatingRow extends PeriodKey {
  requests: string;
}

/** One row per period, counting the batches that asked; `periods` sorted so concurrent batches lock rows in one order. */
export async function recordLateRatings(tx: Tx, periods: readonly PeriodKey[], at: Date): Promise<void> {
  if (periods.length === 0) return;
  await sql`
    insert into usage_late_ratings (customer_id, period_start, period_end, first_requested_at, last_requested_at)
    select p.customer_id, p.period_start, p.period_end, ${at}, ${at}
      from unnest(${periods.map((p) => p.customer_id)}::text[], ${periods.map((p) => p.period_start)}::timestamptz[],
                  ${periods.map((p) => p.period_end)}::timestamptz[]) as p(customer_id, period_start, period_end)
    on conflict (customer_id, period_start, period_end) do update
      set requests = usage_late_ratings.requests + 1, last_requested_at = excluded.last_requested_at`.execute(tx);
}

export async function findLateRating(db: Executor, period: PeriodKey): Promise<LateRatingRow | undefined> {
  const found = await sql<LateRatingRow>`
    select customer_id, period_start, period_end, requests::text as requests from usage_late_ratings
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
    select customer_id, period_start, period_end, requests::text as requests from usage_late_ratings
     where customer_id = any(${[...customerIds]}::text[])
     order by period_start, customer_id, period_end`.execute(db);
  return found.rows;
}
