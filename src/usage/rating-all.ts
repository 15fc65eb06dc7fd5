import { sql } from "kysely";
import { Temporal } from "temporal-polyfill";
import type { RequestContext } from "../kernel/actor.js";
import { toDate } from "../kernel/clock.js";
import type { Deps } from "../kernel/deps.js";
import { DomainError } from "../kernel/errors.js";
import { type RatingRunJson, rateCustomerPeriod } from "./rating-service.js";

/**
 * Re-rating every customer of a period (after a change to the default rate
 * card or script): each usage period already rated that starts in
 * [start, end), one at a time, each in its own transaction. A customer whose
 * usage is on a finalized invoice is skipped and reported, not an error for
 * the rest.
 */
export async function rateEveryCustomer(
  deps: Deps,
  ctx: RequestContext,
  range: { start: Temporal.Instant; end: Temporal.Instant },
  customer?: string,
): Promise<(RatingRunJson | { object: "usage_rating_skipped"; customer: string; code: string; message: string })[]> {
  const rows = await sql<{ customer_id: string; period_start: Date; period_end: Date }>`
    select distinct customer_id, period_start, period_end from usage_rating_runs
     where period_start >= ${toDate(range.start)} and period_start < ${toDate(range.end)} and reason <> 'adjustment'
       and (${customer ?? null}::text is null or customer_id = ${customer ?? null})
     order by customer_id, period_start`.execute(deps.db);
  const results = [];
  for (const row of rows.rows) {
    const period = {
      start: Temporal.Instant.fromEpochMilliseconds(row.period_start.getTime()),
      end: Temporal.Instant.fromEpochMilliseconds(row.period_end.getTime()),
    };
    try {
      results.push(await rateCustomerPeriod(deps, ctx, row.customer_id, period));
    } catch (error) {
      if (!(error instanceof DomainError)) throw error;
      results.push({
        object: "usage_rating_skipped" as const,
        customer: row.customer_id,
        code: error.code,
        message: error.message,
      });
    }
  }
  return results;
}
