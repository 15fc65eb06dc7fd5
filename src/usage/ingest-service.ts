import { resolveCustomerReferences } from "../customers/index.js";
import type { RequestContext } from "../kernel/actor.js";
import { inTransaction, type Tx } from "../kernel/db.js";
import type { Deps } from "../kernel/deps.js";
import { newId } from "../kernel/ids.js";
import { eventApiId, newEventUuids } from "./event-ids.js";
import {
  checkEventAge,
  countResults,
  dedupKey,
  type EventCounts,
  type EventProblem,
  type EventResult,
  isEventProblem,
  monthStartMs,
  type StoredEvent,
  storableRaw,
  type ValidEvent,
  validateEvent,
} from "./event-model.js";
import { insertRejections, type NewRejection } from "./event-rejection-store.js";
import {
  type DuplicateEvent,
  type EventColumns,
  type EventSource,
  ensurePartitions,
  forgetPartitions,
  insertEvents,
  isMissingPartition,
  readUsageSettings,
  recordDuplicates,
} from "./event-store.js";
import { queueLateRatingsIn } from "./late-rating-jobs.js";
import { projectEventsToMeters } from "./meter-projection.js";

/**
 * Ingestion: validate, resolve customers, check age, drop repeats within the
 * batch, then one transaction per batch that stores the new events (the
 * database decides what is a duplicate of an earlier batch), projects them
 * onto meters, and keeps the rejected ones. Nothing sent is dropped silently.
 *
 * Events are facts reported by the customer's systems, not changes made by a
 * person, so they are not written to the audit log one by one: each row
 * records its source and when it was received. What people do with them
 * (retrying a rejection, changing the settings, retention) is audited.
 */

/** One event to ingest; streams and files also give its line and its text as read. */
export interface IngestItem {
  event: unknown;
  line?: number;
  raw?: string;
  /** Set when the line could not even be read as an event (not JSON, too long). */
  problem?: EventProblem;
}

export interface IngestOptions {
  source: EventSource;
  /** Keep rejected events in usage_event_rejections (default: yes, except single API calls, which get a 4xx). */
  store_rejections?: boolean;
  import_id?: string;
  /** More work in the batch's transaction after the insert (an import's progress row). */
  within?: (tx: Tx, outcome: IngestOutcome) => Promise<void>;
}

export interface IngestOutcome {
  results: EventResult[];
  counts: EventCounts;
  /**
   * The accepted events' customers and instants: what re-rating a draft for a
   * late event needs to find the periods touched.
   */
  accepted_events: { customer_id: string; ts: Date }[];
  /** Ids of stored rejections (uevrj_…), by index, for the ones kept. */
  rejection_ids: Map<number, string>;
  /**
   * The key each duplicate repeats, by index (to find the event already
   * stored), with the timestamp the repeat carried (to count it in its period).
   */
  duplicate_keys: Map<number, DuplicateEvent>;
}

interface Candidate {
  index: number;
  event: ValidEvent;
  customer_id: string;
}

/** The signature other modules use: an array of events as received. */
export async function ingestEvents(
  deps: Deps,
  ctx: RequestContext,
  events: readonly unknown[],
  options: IngestOptions,
): Promise<IngestOutcome> {
  return ingestItems(
    deps,
    ctx,
    events.map((event) => ({ event })),
    options,
  );
}

export async function ingestItems(
  deps: Deps,
  ctx: RequestContext,
  items: readonly IngestItem[],
  options: IngestOptions,
): Promise<IngestOutcome> {
  const now_ms = deps.clock.now().epochMilliseconds;
  const { results, unique, duplicateKeys } = await classifyItems(deps, items, now_ms);
  const months = new Set(unique.map((c) => monthStartMs(c.event.ts_ms)));
  await ensurePartitions(deps.db, months);
  const ids = newEventUuids(unique.length, now_ms);
  const outcome: IngestOutcome = {
    results,
    counts: countResults([]),
    accepted_events: [],
    rejection_ids: new Map(),
    duplicate_keys: duplicateKeys,
  };
  const store = () =>
    inTransaction(
      deps.db,
      async (tx) => {
        const notStored =
          unique.length === 0
            ? new Set<string>()
            : await insertEvents(tx, columnsOf(unique, ids), new Date(now_ms), options.source);
        const storedEvents = settle(unique, ids, notStored, items, results, outcome);
        if (storedEvents.length > 0) await projectEventsToMeters(tx, storedEvents);
        // Events landing in periods already rated queue a job that re-rates the draft or books an
        // adjustment, committed with the events themselves.
        await queueLateRatingsIn(tx, deps, ctx, storedEvents);
        await recordDuplicates(tx, outcome.duplicate_keys.values(), new Date(now_ms));
        outcome.counts = countResults(results);
        if (options.store_rejections ?? options.source !== "api") {
          await keepRejections(tx, items, results, options, now_ms, outcome);
        }
        if (options.within !== undefined) await options.within(tx, outcome);
      },
      // Two batches sharing keys can deadlock on each other's key rows; the loser runs again.
      { retries: 3 },
    );
  try {
    await store();
  } catch (error) {
    // A partition dropped by retention in another process: find out again, once.
    if (!isMissingPartition(error)) throw error;
    forgetPartitions(deps.db);
    await ensurePartitions(deps.db, months);
    await store();
  }
  return outcome;
}

/** Everything decided before the database is asked to store: shape, customer, age, repeats in the batch. */
async function classifyItems(deps: Deps, items: readonly IngestItem[], now_ms: number) {
  const results = new Array<EventResult>(items.length);
  const reject = (index: number, found: EventProblem) => {
    const line = items[index]?.line;
    results[index] =
      line === undefined ? { index, status: "rejected", ...found } : { index, line, status: "rejected", ...found };
  };
  const valid: { index: number; event: ValidEvent }[] = [];
  for (let index = 0; index < items.length; index++) {
    const item = items[index] as IngestItem;
    const checked = item.problem ?? validateEvent(item.event);
    if (isEventProblem(checked)) reject(index, checked);
    else valid.push({ index, event: checked });
  }
  const settings = await readUsageSettings(deps.db);
  const customers = await resolveCustomerReferences(deps, [...new Set(valid.map((v) => v.event.customer))]);
  const candidates = keepStorable(valid, customers, { now_ms, max_age_days: settings.max_event_age_days }, reject);
  const duplicateKeys: IngestOutcome["duplicate_keys"] = new Map();
  const unique = dropRepeats(candidates, items, results, duplicateKeys);
  return { results, unique, duplicateKeys };
}

function keepStorable(
  valid: readonly { index: number; event: ValidEvent }[],
  customers: Map<string, string>,
  time: { now_ms: number; max_age_days: number },
  reject: (index: number, found: EventProblem) => void,
): Candidate[] {
  const candidates: Candidate[] = [];
  for (const { index, event } of valid) {
    const customer_id = customers.get(event.customer);
    if (customer_id === undefined) {
      reject(index, {
        code: "event_customer_not_found",
        message: `no customer with id or external id ${JSON.stringify(event.customer)}`,
        field: "customer",
      });
      continue;
    }
    const age = checkEventAge(event.ts_ms, time.now_ms, time.max_age_days);
    if (age !== null) reject(index, age);
    else candidates.push({ index, event, customer_id });
  }
  return candidates;
}

/** A second event with the same customer and transaction id in one batch is a duplicate, as it would be in the next. */
function dropRepeats(
  candidates: readonly Candidate[],
  items: readonly IngestItem[],
  results: EventResult[],
  duplicateKeys: IngestOutcome["duplicate_keys"],
): Candidate[] {
  const seen = new Set<string>();
  const unique: Candidate[] = [];
  for (const candidate of candidates) {
    const key = dedupKey(candidate.customer_id, candidate.event.transaction_id);
    if (seen.has(key)) {
      results[candidate.index] = withLine({ index: candidate.index, status: "duplicate" }, items[candidate.index]);
      duplicateKeys.set(candidate.index, {
        customer_id: candidate.customer_id,
        transaction_id: candidate.event.transaction_id,
        ts_ms: candidate.event.ts_ms,
      });
    } else {
      seen.add(key);
      unique.push(candidate);
    }
  }
  return unique;
}

function withLine<T extends EventResult>(result: T, item: IngestItem | undefined): T {
  return item?.line === undefined ? result : { ...result, line: item.line };
}

function columnsOf(unique: readonly Candidate[], ids: readonly string[]): EventColumns {
  const columns: EventColumns = {
    ids: [...ids],
    customer_ids: [],
    transaction_ids: [],
    types: [],
    ts_ms: [],
    properties_json: [],
  };
  for (const { event, customer_id } of unique) {
    columns.customer_ids.push(customer_id);
    columns.transaction_ids.push(event.transaction_id);
    columns.types.push(event.type);
    columns.ts_ms.push(event.ts_ms);
    columns.properties_json.push(event.properties_json);
  }
  return columns;
}

/** Accepted or duplicate, by whether the database took the key; the stored ones go to the meters. */
function settle(
  unique: readonly Candidate[],
  ids: readonly string[],
  notStored: Set<string>,
  items: readonly IngestItem[],
  results: EventResult[],
  outcome: IngestOutcome,
): StoredEvent[] {
  const storedEvents: StoredEvent[] = [];
  outcome.accepted_events = [];
  unique.forEach((candidate, position) => {
    const id = ids[position] as string;
    const item = items[candidate.index];
    if (notStored.size > 0 && notStored.has(id)) {
      results[candidate.index] = withLine({ index: candidate.index, status: "duplicate" }, item);
      outcome.duplicate_keys.set(candidate.index, {
        customer_id: candidate.customer_id,
        transaction_id: candidate.event.transaction_id,
        ts_ms: candidate.event.ts_ms,
      });
      return;
    }
    const ts = new Date(candidate.event.ts_ms);
    results[candidate.index] = withLine({ index: candidate.index, status: "accepted", id: eventApiId(id) }, item);
    storedEvents.push({
      id,
      customer_id: candidate.customer_id,
      transaction_id: candidate.event.transaction_id,
      type: candidate.event.type,
      ts,
      properties: candidate.event.properties,
    });
    outcome.accepted_events.push({ customer_id: candidate.customer_id, ts });
  });
  return storedEvents;
}

function rawText(item: IngestItem | undefined): string {
  if (item?.raw !== undefined) return item.raw;
  try {
    return JSON.stringify(item?.event) ?? "null";
  } catch {
    return String(item?.event);
  }
}

async function keepRejections(
  tx: Tx,
  items: readonly IngestItem[],
  results: readonly EventResult[],
  options: IngestOptions,
  now_ms: number,
  outcome: IngestOutcome,
): Promise<void> {
  const rows: NewRejection[] = [];
  for (const result of results) {
    if (result.status !== "rejected") continue;
    const id = newId("usage_event_rejection");
    outcome.rejection_ids.set(result.index, id);
    rows.push({
      id,
      line: result.line ?? result.index,
      raw: storableRaw(rawText(items[result.index])),
      code: result.code,
      message: result.message,
      field: result.field ?? null,
    });
  }
  await insertRejections(tx, rows, {
    source: options.source,
    import_id: options.import_id ?? null,
    received_at: new Date(now_ms),
  });
}
