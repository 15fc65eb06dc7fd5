import { sql } from "kysely";
import type { Executor } from "../kernel/db.js";
import { NOTHING_STORED, type RatingFacts } from "./rating-status-model.js";

/**
 * The rating facts of a page of events, in one statement keyed by the
 * page's events: each event probes usage_charges by its id, the errors by
 * (customer, event time, id) and the runs by (customer, period), so a page
 * costs a few index lookups per event whatever the size of its month.
 */

export interface EventKey {
  id: string;
  customer_id: string;
  ts: Date;
  received_at: Date;
}

interface FactsRow {
  id: string;
  charges: string;
  amount: string | null;
  currency: string | null;
  error_code: string | null;
  error_message: string | null;
  script_line: number | null;
  script_version_id: string | null;
  covered: boolean;
  scripted: boolean;
}

export async function ratingFactsOf(db: Executor, events: readonly EventKey[]): Promise<Map<string, RatingFacts>> {
  const found = new Map<string, RatingFacts>();
  if (events.length === 0) return found;
  const result = await sql<FactsRow>`
    select p.id::text as id, c.charges, c.amount, c.currency,
           r.code as error_code, r.message as error_message, r.script_line, r.script_version_id,
           exists (
             select 1 from usage_rating_runs u
              where u.customer_id = p.customer_id and u.period_start <= p.ts and p.ts < u.period_end
                and u.created_at >= p.received_at
           ) as covered,
           exists (select 1 from usage_script_assignments a where a.customer_id = p.customer_id)
             or exists (select 1 from usage_scripts s where s.is_default) as scripted
      from unnest(${events.map((e) => e.id)}::uuid[], ${events.map((e) => e.customer_id)}::text[],
                  ${events.map((e) => e.ts)}::timestamptz[], ${events.map((e) => e.received_at)}::timestamptz[])
           as p(id, customer_id, ts, received_at)
      cross join lateral (
        select count(*) as charges, sum(amount) as amount, min(currency) as currency
          from usage_charges where event_id = p.id
      ) c
      left join lateral (
        select code, message, script_line, script_version_id from usage_rating_errors
         where customer_id = p.customer_id and event_ts = p.ts and event_id = p.id
         limit 1
      ) r on true`.execute(db);
  for (const row of result.rows) {
    found.set(row.id, {
      charges: Number(row.charges),
      amount: row.amount === null ? null : String(row.amount),
      currency: row.currency,
      error:
        row.error_code === null
          ? null
          : {
              code: row.error_code,
              message: row.error_message ?? "",
              script_line: row.script_line,
              script_version_id: row.script_version_id ?? "",
            },
      covered: row.covered,
      scripted: row.scripted,
    });
  }
  return found;
}

export function factsOf(found: Map<string, RatingFacts>, id: string): RatingFacts {
  return found.get(id) ?? NOTHING_STORED;
}
