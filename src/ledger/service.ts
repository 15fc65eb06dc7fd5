import type { Temporal } from "temporal-polyfill";
import { recordAudit } from "../access/index.js";
import type { RequestContext } from "../kernel/actor.js";
import { type Executor, inTransaction } from "../kernel/db.js";
import type { Deps } from "../kernel/deps.js";
import { DomainError } from "../kernel/errors.js";
import { newId, parseId } from "../kernel/ids.js";
import { emitEvent } from "../kernel/outbox.js";
import type { PageRequest } from "../kernel/pagination.js";
import {
  type EntryFilter,
  type EntryRow,
  type EntryToInsert,
  findEntry,
  findEntryIdsByKey,
  insertEntries,
  listEntries as listEntryRows,
  lockEntry,
} from "./entry-store.js";
import { journalEntryJson } from "./json.js";
import { ledgerPostingsTotal } from "./metrics.js";
import {
  type AccountFacts,
  checkEntryShape,
  checkReversible,
  type EntryInput,
  mirroredLines,
  type PreparedEntry,
  prepareEntry,
  reversalKey,
} from "./model.js";
import { lockPeriodAndLoadAccounts } from "./store.js";

/**
 * Posting journal entries. Two paths share one set of rules (model.ts):
 *
 * - postEntry: one entry, for API paths and for other modules, which pass
 *   their open transaction so an invoice and its entry commit together;
 * - postEntriesBatch: thousands of entries in one set-based statement, for
 *   billing runs.
 *
 * Both start by share-locking the ledger settings row (the period lock) and
 * end with the netted balance update, so a hot account's row is locked only
 * from the last statement to commit.
 */

export type JournalEntry = EntryRow;

interface PostOptions {
  id?: string;
  reversesEntryId?: string | null;
}

function entryFromPrepared(
  id: string,
  prepared: PreparedEntry,
  accounts: ReadonlyMap<string, AccountFacts>,
  postedAt: Temporal.Instant,
  postedBy: string,
): JournalEntry {
  const { lines, ...header } = prepared;
  return {
    ...header,
    id,
    posted_at: postedAt,
    posted_by: postedBy,
    reversed_by_entry_id: null,
    lines: lines.map((line) => {
      const account = accounts.get(line.account_id) as AccountFacts;
      return { ...line, entry_id: id, account_code: account.code, account_name: account.name };
    }),
  };
}

async function existingEntry(tx: Executor, id: string): Promise<JournalEntry> {
  const entry = await findEntry(tx, id);
  if (entry === undefined) throw new Error(`entry ${id} vanished: entries are never deleted`);
  return entry;
}

/** Posts one entry inside `tx`; returns the entry and whether this call posted it. */
async function postInTransaction(
  deps: Deps,
  ctx: RequestContext,
  tx: Executor,
  input: EntryInput,
  options: PostOptions = {},
): Promise<{ entry: JournalEntry; created: boolean }> {
  const accountIds = [...new Set(input.lines.map((line) => line.account_id))];
  const facts = await lockPeriodAndLoadAccounts(tx, accountIds, input.idempotency_key);
  if (facts.existing_entry_id !== null) {
    return { entry: await existingEntry(tx, facts.existing_entry_id), created: false };
  }
  const prepared = prepareEntry(input, facts.accounts, facts.closed_through, options.reversesEntryId ?? null);
  const id = options.id ?? newId("journal_entry");
  const postedAt = deps.clock.now();
  const inserted = await insertEntries(tx, [{ ...prepared, id }], postedAt, ctx.actor.id);
  if (inserted.length === 0) {
    // A concurrent posting with the same key committed first: return its entry.
    const raced = (await findEntryIdsByKey(tx, [input.idempotency_key])).get(input.idempotency_key);
    if (raced === undefined) throw new Error("an idempotency key conflicted but no entry holds it");
    return { entry: await existingEntry(tx, raced), created: false };
  }
  ledgerPostingsTotal.inc({ path: "single" });
  return { entry: entryFromPrepared(id, prepared, facts.accounts, postedAt, ctx.actor.id), created: true };
}

/**
 * Posts one balanced entry, or returns the entry already posted under its
 * idempotency key. Pass `tx` to post inside the caller's transaction (the
 * invoice and its entry then commit or roll back together); without it the
 * entry gets its own transaction. Posts no outbox event and no audit row: the
 * caller's own event (invoice.finalized) says why money moved.
 */
export async function postEntry(
  deps: Deps,
  ctx: RequestContext,
  input: EntryInput,
  tx?: Executor,
): Promise<JournalEntry> {
  checkEntryShape(input);
  return inTransaction(tx ?? deps.db, async (inner) => (await postInTransaction(deps, ctx, inner, input)).entry);
}

export interface BatchPostResult {
  /** One id per input, in input order: the new entry, or the one its key had already posted. */
  entry_ids: string[];
  posted_count: number;
  duplicate_count: number;
}

/** Names the entry in a batch that failed: `entries.12.lines.0.debit`. */
function inBatch(index: number, error: DomainError): DomainError {
  const param = error.param === undefined ? `entries.${index}` : `entries.${index}.${error.param}`;
  return new DomainError(error.code, `entry ${index}: ${error.message}`, {
    param,
    ...(error.details === undefined ? {} : { details: error.details }),
  });
}

/**
 * Prepares every entry of a batch. An entry that fails the rules but whose
 * key has already posted is a replay (a re-run billing run whose period has
 * since closed): it is skipped, not refused. Keys are looked up only when
 * something failed, so the common path costs no query.
 */
async function prepareBatch(
  tx: Executor,
  inputs: readonly EntryInput[],
  facts: { accounts: ReadonlyMap<string, AccountFacts>; closed_through: string | null },
): Promise<EntryToInsert[]> {
  const prepared: EntryToInsert[] = [];
  const failures: { index: number; error: DomainError }[] = [];
  inputs.forEach((input, index) => {
    try {
      prepared.push({ ...prepareEntry(input, facts.accounts, facts.closed_through), id: newId("journal_entry") });
    } catch (error) {
      if (!(error instanceof DomainError)) throw error;
      failures.push({ index, error });
    }
  });
  if (failures.length > 0) {
    const posted = await findEntryIdsByKey(
      tx,
      failures.map((failure) => (inputs[failure.index] as EntryInput).idempotency_key),
    );
    const refused = failures.find((failure) => !posted.has((inputs[failure.index] as EntryInput).idempotency_key));
    if (refused !== undefined) throw inBatch(refused.index, refused.error);
  }
  return prepared;
}

/**
 * Posts many entries at once, all or nothing: one statement inserts every
 * entry and line (`unnest`, `on conflict` on the idempotency key) and updates
 * each touched account's balance once, netted. Entries whose key already
 * posted are skipped, so a billing run that is re-run posts nothing twice.
 * Emits no event per entry: the run reports what it did.
 */
export async function postEntriesBatch(
  deps: Deps,
  ctx: RequestContext,
  inputs: readonly EntryInput[],
  tx?: Executor,
): Promise<BatchPostResult> {
  if (inputs.length === 0) return { entry_ids: [], posted_count: 0, duplicate_count: 0 };
  return inTransaction(tx ?? deps.db, async (inner) => {
    const accountIds = [...new Set(inputs.flatMap((input) => input.lines.map((line) => line.account_id)))];
    const facts = await lockPeriodAndLoadAccounts(inner, accountIds, null);
    const prepared = await prepareBatch(inner, inputs, facts);
    const inserted = await insertEntries(inner, prepared, deps.clock.now(), ctx.actor.id);
    const keyToId = new Map<string, string>();
    const insertedIds = new Set(inserted);
    for (const entry of prepared) if (insertedIds.has(entry.id)) keyToId.set(entry.idempotency_key, entry.id);
    const missing = inputs.map((input) => input.idempotency_key).filter((key) => !keyToId.has(key));
    for (const [key, id] of await findEntryIdsByKey(inner, missing)) keyToId.set(key, id);
    ledgerPostingsTotal.inc({ path: "batch" }, inserted.length);
    return {
      entry_ids: inputs.map((input) => keyToId.get(input.idempotency_key) as string),
      posted_count: inserted.length,
      duplicate_count: inputs.length - inserted.length,
    };
  });
}

// ---------------------------------------------------------------------------
// Entries posted by people through the API: audited and announced.

export interface ManualEntryInput {
  effective_date: string;
  memo?: string | undefined;
  source?: { type: string; id: string } | undefined;
  lines: readonly { account: string; debit?: string | undefined; credit?: string | undefined }[];
}

async function announce(deps: Deps, ctx: RequestContext, tx: Executor, action: string, entry: JournalEntry) {
  const at = deps.clock.now();
  const json = journalEntryJson(entry);
  await emitEvent(tx, { type: "ledger.entry_posted", data: json }, at, ctx.request_id);
  // Last: the audit chain's head lock is held from here to commit.
  await recordAudit(
    tx,
    ctx,
    { action, object_type: "journal_entry", object_id: entry.id, before: null, after: json },
    at,
  );
}

/** A manual journal entry (POST /v1/ledger/entries): posted, announced and audited in one transaction. */
export async function postManualEntry(deps: Deps, ctx: RequestContext, body: ManualEntryInput): Promise<JournalEntry> {
  const id = newId("journal_entry");
  const input: EntryInput = {
    source_type: body.source?.type ?? "manual",
    source_id: body.source?.id ?? id,
    idempotency_key: `manual:${id}`,
    effective_date: body.effective_date,
    memo: body.memo,
    lines: body.lines.map((line) => ({ account_id: line.account, debit: line.debit, credit: line.credit })),
  };
  checkEntryShape(input);
  return inTransaction(deps.db, async (tx) => {
    const { entry } = await postInTransaction(deps, ctx, tx, input, { id });
    await announce(deps, ctx, tx, "ledger.entry_posted", entry);
    return entry;
  });
}

export interface ReverseOptions {
  effective_date: string | Temporal.PlainDate;
  memo?: string | undefined;
}

/**
 * Posts the mirror image of an entry, dated `effective_date`, and links the
 * two. An entry is reversed once (a unique index backs this up against two
 * concurrent reversals); a reversal is not itself reversible (model.ts says
 * why). Audited and announced, like a manual entry.
 */
export async function reverseEntry(
  deps: Deps,
  ctx: RequestContext,
  entryId: string,
  options: ReverseOptions,
  tx?: Executor,
): Promise<JournalEntry> {
  parseId("journal_entry", entryId, "id");
  return inTransaction(tx ?? deps.db, async (inner) => {
    // Two reversals of one entry queue here; the second then sees the first's link.
    await lockEntry(inner, entryId);
    const original = await findEntry(inner, entryId);
    if (original === undefined)
      throw new DomainError("entry_not_found", `no journal entry ${entryId}`, { param: "id" });
    checkReversible(original);
    const input: EntryInput = {
      source_type: original.source_type,
      source_id: original.source_id,
      idempotency_key: reversalKey(original.id),
      effective_date: options.effective_date,
      memo: options.memo ?? `Reversal of ${original.id}`,
      lines: mirroredLines(original.lines),
    };
    checkEntryShape(input);
    const { entry } = await postInTransaction(deps, ctx, inner, input, { reversesEntryId: original.id });
    await announce(deps, ctx, inner, "ledger.entry_reversed", entry);
    return entry;
  });
}

export async function getEntry(deps: Deps, id: string): Promise<JournalEntry> {
  const entry = await findEntry(deps.db, parseId("journal_entry", id, "id"));
  if (entry === undefined) throw new DomainError("entry_not_found", `no journal entry ${id}`, { param: "id" });
  return entry;
}

export async function listEntries(
  deps: Deps,
  filter: EntryFilter,
  page: PageRequest,
): Promise<{ data: JournalEntry[]; has_more: boolean }> {
  return listEntryRows(deps.db, filter, page);
}
