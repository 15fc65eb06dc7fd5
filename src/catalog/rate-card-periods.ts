import type { Temporal } from "temporal-polyfill";
import type { RequestContext } from "../kernel/actor.js";
import type { Executor, Tx } from "../kernel/db.js";
import { isBackdated } from "./rate-card-model.js";

/**
 * What a backdated rate card version covers: the usage periods already rated
 * at rates it replaces. Usage sits above the catalog, so the catalog cannot
 * read its charges; usage registers these functions when it loads (as
 * invoicing registers the port rating uses), and rate cards call them here.
 * Without usage loaded nothing is rated, so a version covers no periods.
 */

export interface CoveredPeriod {
  customer: string;
  period_start: string;
  period_end: string;
  invoice: string;
}

export interface FinalizedPeriod extends CoveredPeriod {
  invoice_number: string | null;
  invoice_status: string;
}

export interface AffectedPeriods {
  /** The version's start, before `assessed_at`. */
  effective_from: string;
  assessed_at: string;
  /**
   * Periods on an invoice already finalized: Accrue never changes them; a
   * person decides on a credit note or an adjustment.
   */
  finalized: FinalizedPeriod[];
  /** Periods on a draft invoice: re-rated when the version is approved. */
  draft: CoveredPeriod[];
}

/** The card a version belongs to and the approved versions whose rates it replaces from `from` on. */
export interface CoverageQuery {
  kind: "default" | "customer";
  currency: string;
  customer_id: string | null;
  version_ids: readonly string[];
  from: Date;
}

export interface RatedPeriodsPort {
  covered(db: Executor, query: CoverageQuery): Promise<{ finalized: FinalizedPeriod[]; draft: CoveredPeriod[] }>;
  /**
   * Queues the re-rating of these draft periods as durable jobs, in the
   * caller's transaction; their ratings name the version that asked.
   */
  queueRerating(
    tx: Tx,
    ctx: RequestContext,
    request: { periods: readonly CoveredPeriod[]; version_id: string; at: Date },
  ): Promise<void>;
}

let registered: RatedPeriodsPort | undefined;

export function registerRatedPeriods(port: RatedPeriodsPort): void {
  registered = port;
}

export async function affectedPeriods(
  db: Executor,
  query: Omit<CoverageQuery, "from">,
  effectiveFrom: Temporal.Instant | null,
  at: Temporal.Instant,
): Promise<AffectedPeriods | null> {
  if (effectiveFrom === null || !isBackdated(effectiveFrom, at)) return null;
  const from = new Date(effectiveFrom.epochMilliseconds);
  const covered =
    registered === undefined ? { finalized: [], draft: [] } : await registered.covered(db, { ...query, from });
  return { effective_from: effectiveFrom.toString(), assessed_at: at.toString(), ...covered };
}

export async function queueDraftRerating(
  tx: Tx,
  ctx: RequestContext,
  request: { periods: readonly CoveredPeriod[]; version_id: string; at: Temporal.Instant },
): Promise<void> {
  if (request.periods.length === 0 || registered === undefined) return;
  await registered.queueRerating(tx, ctx, { ...request, at: new Date(request.at.epochMilliseconds) });
}
