import { sql } from "kysely";
import { recordAudit } from "../access/index.js";
import { type RequestContext, systemContext } from "../kernel/actor.js";
import { inTransaction } from "../kernel/db.js";
import type { Deps } from "../kernel/deps.js";
import { newId } from "../kernel/ids.js";
import { forgetPartitions, readUsageSettings } from "./event-store.js";

/**
 * Retention (`usage.retention_months`): whole month partitions older than the
 * setting are dropped, with their dedup keys and the month's repeats.
 * Dropping a partition is instant and leaves no dead rows behind, which is
 * why events are partitioned by month. Runs daily as a durable job; a month goes once every
 * day of it is past the retention window.
 */
const USAGE_RETENTION_QUEUE = "usage-retention";
const PARTITION_NAME = /^usage_events_(\d{4})_(\d{2})$/;

export interface RetentionResult {
  /** Months dropped, as YYYY-MM. */
  dropped: string[];
  keys_deleted: number;
}

/** The first month kept: `months` whole months before the current one, which is always kept. */
function retentionCutoff(now_ms: number, months: number): { year: number; month: number } {
  const now = new Date(now_ms);
  const index = now.getUTCFullYear() * 12 + now.getUTCMonth() - months;
  return { year: Math.floor(index / 12), month: (index % 12) + 1 };
}

async function eventPartitions(deps: Deps): Promise<{ name: string; year: number; month: number }[]> {
  const result = await sql<{ name: string }>`
    select c.relname as name from pg_inherits i join pg_class c on c.oid = i.inhrelid
    where i.inhparent = 'usage_events'::regclass order by c.relname`.execute(deps.db);
  return result.rows.flatMap((row) => {
    const m = PARTITION_NAME.exec(row.name);
    return m === null ? [] : [{ name: row.name, year: Number(m[1]), month: Number(m[2]) }];
  });
}

export async function applyUsageRetention(deps: Deps, ctx: RequestContext): Promise<RetentionResult> {
  const settings = await readUsageSettings(deps.db);
  const outcome: RetentionResult = { dropped: [], keys_deleted: 0 };
  if (settings.retention_months === null) return outcome;
  const at = deps.clock.now();
  const cutoff = retentionCutoff(at.epochMilliseconds, settings.retention_months);
  const expired = (await eventPartitions(deps)).filter((p) => p.year * 12 + p.month < cutoff.year * 12 + cutoff.month);
  for (const partition of expired) {
    const month = `${partition.year}-${String(partition.month).padStart(2, "0")}`;
    await inTransaction(deps.db, async (tx) => {
      // Keys first, through the partition's rows: the keys table's primary key finds each one.
      const deleted = await sql`
        delete from usage_event_keys k using ${sql.table(partition.name)} p
        where k.customer_id = p.customer_id and k.transaction_id = p.transaction_id`.execute(tx);
      const keys = Number(deleted.numAffectedRows ?? 0);
      await sql`drop table ${sql.table(partition.name)}`.execute(tx);
      // The month's repeats go with its events: a reconciliation of the month would otherwise count only them.
      await sql`delete from usage_event_duplicates
        where ts >= make_timestamptz(${partition.year}, ${partition.month}, 1, 0, 0, 0, 'UTC')
          and ts < make_timestamptz(${partition.year}, ${partition.month}, 1, 0, 0, 0, 'UTC') + interval '1 month'`.execute(
        tx,
      );
      // The meters' projected values for the month go with their events.
      const values = `usage_meter_values_${partition.name.slice("usage_events_".length)}`;
      await sql`drop table if exists ${sql.table(values)}`.execute(tx);
      await recordAudit(
        tx,
        ctx,
        {
          action: "usage_events.month_dropped",
          object_type: "usage_events",
          object_id: month,
          before: { month, keys },
          after: { retention_months: settings.retention_months },
        },
        at,
      );
      outcome.keys_deleted += keys;
    });
    outcome.dropped.push(month);
  }
  if (expired.length > 0) forgetPartitions(deps.db);
  return outcome;
}

/**
 * The job runner's shapes, declared by structure as billing-run-jobs.ts does:
 * usage sits on a lower row than jobs and may not import it.
 */
interface RetentionQueue {
  retryLimit: number;
  handler: () => Promise<void>;
}
interface Scheduler {
  schedule(queue: string, cron: string, data?: object, options?: { tz?: string }): Promise<void>;
}

export function usageRetentionQueues(deps: Deps): Record<string, RetentionQueue> {
  return {
    [USAGE_RETENTION_QUEUE]: {
      retryLimit: 3,
      handler: async () => {
        await applyUsageRetention(deps, systemContext("usage-retention", newId("request")));
      },
    },
  };
}

/** Daily at 03:30 UTC, away from the hourly billing run at :05. */
export async function scheduleUsageRetention(jobs: Scheduler): Promise<void> {
  await jobs.schedule(USAGE_RETENTION_QUEUE, "30 3 * * *", {}, { tz: "UTC" });
}
