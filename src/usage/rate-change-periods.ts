import { sql } from "kysely";
import {
  type CoverageQuery,
  type CoveredPeriod,
  type FinalizedPeriod,
  registerRatedPeriods,
} from "../catalog/index.js";
import type { Executor } from "../kernel/db.js";
import type { PeriodKey } from "./charge-store.js";
import { queuePeriodRatingsIn } from "./late-rating-jobs.js";
import { usageInvoicing } from "./rating-port.js";
import { periodInvoice } from "./rating-service.js";

/**
 * The rated periods a backdated rate card version reaches, for the catalog
 * (catalog/rate-card-periods.ts): every period rated with the card that ends
 * after the version's start. A customer card reaches its customer's periods;
 * a default card the periods of its currency whose charges used one of its
 * versions (a customer whose charges never read the default is not listed).
 * Each period is sorted by where its usage is billed: on a finalized invoice
 * (left as invoiced), on a draft (re-rated on approval by the late-rating
 * job, its rating run's reason rate_card_change naming the version), or on
 * no invoice yet (billing rates it afresh, so it is not listed).
 */

async function ratedPeriodsReached(db: Executor, query: CoverageQuery): Promise<PeriodKey[]> {
  const found = await sql<PeriodKey>`
    select distinct r.customer_id, r.period_start, r.period_end from usage_rating_runs r
     where r.period_end > ${query.from} and r.reason <> 'adjustment'
       and (r.customer_id = ${query.customer_id}
            or (${query.kind} = 'default' and r.currency = ${query.currency} and exists (
                  select 1 from usage_charges c
                   where c.customer_id = r.customer_id and c.period_start = r.period_start
                     and c.period_end = r.period_end and c.rate_card_version_ids && ${[...query.version_ids]}::text[])))
     order by r.customer_id, r.period_start`.execute(db);
  return found.rows;
}

async function coveredPeriods(db: Executor, query: CoverageQuery) {
  const finalized: FinalizedPeriod[] = [];
  const draft: CoveredPeriod[] = [];
  for (const period of await ratedPeriodsReached(db, query)) {
    const invoice = await periodInvoice(db, period);
    if (invoice === undefined) continue;
    const covered: CoveredPeriod = {
      customer: period.customer_id,
      period_start: period.period_start.toISOString(),
      period_end: period.period_end.toISOString(),
      invoice: invoice.id,
    };
    if (invoice.status === "draft") {
      draft.push(covered);
      continue;
    }
    const [line] = await usageInvoicing().lines(db, invoice.line_ids.slice(0, 1));
    finalized.push({ ...covered, invoice_number: line?.invoice_number ?? null, invoice_status: invoice.status });
  }
  return { finalized, draft };
}

registerRatedPeriods({
  covered: coveredPeriods,
  queueRerating: async (tx, ctx, request) => {
    const periods = request.periods.map((period) => ({
      customer_id: period.customer,
      period_start: new Date(period.period_start),
      period_end: new Date(period.period_end),
    }));
    const owed = { late_events: false, rate_card_version_ids: [request.version_id] };
    await queuePeriodRatingsIn(tx, ctx, { periods, owed, at: request.at });
  },
});
