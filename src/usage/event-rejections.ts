import { recordAudit } from "../access/index.js";
import type { RequestContext } from "../kernel/actor.js";
import { fromDate, toDate } from "../kernel/clock.js";
import { inTransaction, type Tx } from "../kernel/db.js";
import type { Deps } from "../kernel/deps.js";
import { assertNever, DomainError } from "../kernel/errors.js";
import { parseId } from "../kernel/ids.js";
import type { Page } from "../kernel/pagination.js";
import { eventApiId, eventUuid } from "./event-ids.js";
import type { EventProblem, EventResult } from "./event-model.js";
import {
  findRejectionRow,
  listRejectionRows,
  type RejectionFilter,
  type RejectionRow,
  updateRejectionRow,
} from "./event-rejection-store.js";
import { findStoredEventId } from "./event-store.js";
import { type IngestItem, type IngestOutcome, ingestItems } from "./ingest-service.js";

/**
 * Rejected events, kept so nothing sent is lost: listed for a person to look
 * at, and retried once the cause is fixed (the customer now exists) or with a
 * corrected event. A retry that stores the event, or finds it already
 * stored, resolves the rejection; one rejected again keeps the new reason.
 */

export interface EventRejection {
  object: "event_rejection";
  id: string;
  source: RejectionRow["source"];
  import_id: string | null;
  /** Line of a stream or file (from 1), or position in a batch (from 0). */
  line: number | null;
  raw: string;
  code: string;
  message: string;
  field: string | null;
  received_at: string;
  retry_count: number;
  status: "open" | "resolved";
  resolved_at: string | null;
  /** The stored event (uev_…) once resolved. */
  event: string | null;
}

function toRejection(row: RejectionRow): EventRejection {
  return {
    object: "event_rejection",
    id: row.id,
    source: row.source,
    import_id: row.import_id,
    line: row.line === null ? null : Number(row.line),
    raw: row.raw,
    code: row.code,
    message: row.message,
    field: row.field,
    received_at: fromDate(row.received_at).toString(),
    retry_count: row.retry_count,
    status: row.resolved_at === null ? "open" : "resolved",
    resolved_at: row.resolved_at === null ? null : fromDate(row.resolved_at).toString(),
    event: row.resolved_event_id === null ? null : eventApiId(row.resolved_event_id),
  };
}

export async function listRejections(deps: Deps, filter: RejectionFilter): Promise<Page<EventRejection>> {
  const page = await listRejectionRows(deps.db, filter);
  return { data: page.data.map(toRejection), has_more: page.has_more };
}

export interface RetryResult {
  rejection: EventRejection;
  result: EventResult;
}

function itemFromRaw(raw: string): IngestItem {
  try {
    return { event: JSON.parse(raw), raw };
  } catch {
    const problem: EventProblem = {
      code: "event_line_not_json",
      message: "the stored line is not JSON; send a corrected event",
    };
    return { event: null, raw, problem };
  }
}

/**
 * Ingests the stored event again (or `corrected`, which replaces the stored
 * text). The rejection row is locked for the retry, so two people retrying
 * it at once store the event once and both see the outcome.
 */
export async function retryRejection(
  deps: Deps,
  ctx: RequestContext,
  id: string,
  corrected?: Record<string, unknown>,
): Promise<RetryResult> {
  parseId("usage_event_rejection", id, "id");
  const at = deps.clock.now();
  return inTransaction(deps.db, async (tx) => {
    const before = await findRejectionRow(tx, id, true);
    if (before === null)
      throw new DomainError("event_rejection_not_found", `no event rejection ${id}`, { param: "id" });
    if (before.resolved_at !== null) {
      throw new DomainError("event_rejection_resolved", "this rejection was already resolved by an earlier retry", {
        param: "id",
      });
    }
    const raw = corrected === undefined ? before.raw : JSON.stringify(corrected);
    const item = corrected === undefined ? itemFromRaw(raw) : { event: corrected, raw };
    // The retry runs inside this transaction (ingestion joins it), so the event and the resolution commit together.
    const outcome = await ingestItems({ ...deps, db: tx as unknown as Deps["db"] }, ctx, [item], {
      source: before.source,
      store_rejections: false,
    });
    const result = outcome.results[0] as EventResult;
    const changes = await resolution(tx, outcome, toDate(at));
    const after = await updateRejectionRow(tx, id, { ...changes, raw, retry_count: before.retry_count + 1 });
    await recordAudit(
      tx,
      ctx,
      {
        action: "event_rejection.retried",
        object_type: "event_rejection",
        object_id: id,
        before: toRejection(before),
        after: toRejection(after),
      },
      at,
    );
    return { rejection: toRejection(after), result };
  });
}

async function resolution(tx: Tx, outcome: IngestOutcome, at: Date) {
  const result = outcome.results[0] as EventResult;
  switch (result.status) {
    case "accepted":
      return { resolved_at: at, resolved_event_id: eventUuid(result.id, "id") };
    case "duplicate": {
      const key = outcome.duplicate_keys.get(0);
      const found = key === undefined ? null : await findStoredEventId(tx, key.customer_id, key.transaction_id);
      return { resolved_at: at, resolved_event_id: found };
    }
    case "rejected":
      return { code: result.code, message: result.message, field: result.field ?? null };
    default:
      return assertNever(result, "event result");
  }
}
