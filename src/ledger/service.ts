import type { Temporal } from "temporal-polyfill";
import type { RequestContext } from "../kernel/actor.js";
import type { Executor } from "../kernel/db.js";
import type { Deps } from "../kernel/deps.js";
import { DomainError } from "../kernel/errors.js";
import { newId } from "../kernel/ids.js";
import {
  type EntryRow,
  type EntryToInsert,
  findEntry,
  findEntryIdsByKey,
  insertEntries,
  type PostingOutcome,
} from "./entry-store.js";
import { ledgerPostingsTotal } from "./metrics.js";
import {
  type AccountFacts,
  checkEntryShape,
  checkPeriodOpen,
  type EntryInput,
  type PreparedEntry,
  prepareEntry,
} from "./model.js";
import { forgetAccount, loadAccountFacts } from "./store.js";

/**
 * Posting journal entries. Two paths share one set of rules (model.ts) and one
 * posting statement (ledger_post_entries in migration 0003):
 *
 * - postEntry: one entry, for API paths and for other modules, which pass
 *   their open transaction so an invoice and its entry commit together;
 * - postEntriesBatch: thousands of entries at once, for billing runs.
 *
 * Either is one round trip once the accounts are known: the statement takes
 * the period lock, checks the period and archived accounts, inserts entries
 * and lines, and adds each account's netted change to its balance. Being one
 * statement, it is atomic without a transaction of its own.
 */

export type JournalEntry = EntryRow;

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

/** The refusal the posting statement reported, as the model words it, naming the entry's field. */
function refusalError(outcome: Exclude<PostingOutcome, { kind: "posted" }>, entries: readonly PreparedEntry[]) {
  if (outcome.kind === "period_closed") {
    const index = entries.findIndex((entry) => entry.idempotency_key === outcome.idempotency_key);
    const entry = entries[index] as PreparedEntry;
    try {
      checkPeriodOpen(entry.effective_date, outcome.closed_through);
    } catch (error) {
      return { index, error: error as DomainError };
    }
    throw new Error(`the database refused ${entry.effective_date} but the model accepts it`);
  }
  if (outcome.kind === "account_not_found") forgetAccount(outcome.account_id);
  const message =
    outcome.kind === "account_archived"
      ? `account ${outcome.account_id} is archived`
      : `no ledger account ${outcome.account_id}`;
  for (const [index, entry] of entries.entries()) {
    const line = entry.lines.findIndex((candidate) => candidate.account_id === outcome.account_id);
    if (line >= 0) {
      return { index, error: new DomainError(outcome.kind, message, { param: `lines.${line}.account` }) };
    }
  }
  throw new Error(`the database refused account ${outcome.account_id}, which no line names`);
}

export interface PostedEntry {
  entry: JournalEntry;
  /** False when the idempotency key had already posted and the first entry was returned. */
  created: boolean;
}

/** Posts one entry with `db` (the caller's transaction or the pool) and says whether this call posted it. */
export async function postOneEntry(
  deps: Deps,
  ctx: RequestContext,
  db: Executor,
  input: EntryInput,
  options: { id?: string; reversesEntryId?: string | null } = {},
): Promise<PostedEntry> {
  const key = input.idempotency_key;
  try {
    const accounts = await loadAccountFacts(db, [...new Set(input.lines.map((line) => line.account_id))]);
    // The period is checked by the posting statement, under the period lock.
    const prepared = prepareEntry(input, accounts, null, options.reversesEntryId ?? null);
    const id = options.id ?? newId("journal_entry");
    const postedAt = deps.clock.now();
    const outcome = await insertEntries(db, [{ ...prepared, id }], postedAt, ctx.actor.id);
    if (outcome.kind !== "posted") throw refusalError(outcome, [prepared]).error;
    if (outcome.inserted.has(key)) {
      ledgerPostingsTotal.inc({ path: "single" });
      return { entry: entryFromPrepared(id, prepared, accounts, postedAt, ctx.actor.id), created: true };
    }
  } catch (error) {
    // A replay of a key that has posted returns the first entry, even if its period has closed since.
    if (!(error instanceof DomainError)) throw error;
    const posted = (await findEntryIdsByKey(db, [key])).get(key);
    if (posted === undefined) throw error;
  }
  const id = (await findEntryIdsByKey(db, [key])).get(key);
  const entry = id === undefined ? undefined : await findEntry(db, id);
  if (entry === undefined) throw new Error(`idempotency key ${key} skipped an insert but holds no entry`);
  return { entry, created: false };
}

/**
 * Posts one balanced entry, or returns the entry already posted under its
 * idempotency key. Pass `tx` to post inside the caller's transaction (the
 * invoice and its entry then commit or roll back together); without it the
 * posting commits on its own. Posts no outbox event and no audit row: the
 * caller's own event (invoice.finalized) says why money moved.
 */
export async function postEntry(
  deps: Deps,
  ctx: RequestContext,
  input: EntryInput,
  tx?: Executor,
): Promise<JournalEntry> {
  checkEntryShape(input);
  return (await postOneEntry(deps, ctx, tx ?? deps.db, input)).entry;
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
 * Refuses the batch for the first failure whose entry has not posted before.
 * An entry that fails but whose key has posted is a replay (a billing run
 * re-run after its period closed) and is skipped. Keys are looked up only when
 * something failed, so the common path costs no query.
 */
async function refuseUnlessReplays(
  db: Executor,
  inputs: readonly EntryInput[],
  failures: readonly { index: number; error: DomainError }[],
): Promise<void> {
  if (failures.length === 0) return;
  const keyOf = (index: number) => (inputs[index] as EntryInput).idempotency_key;
  const posted = await findEntryIdsByKey(
    db,
    failures.map((failure) => keyOf(failure.index)),
  );
  const refused = failures.find((failure) => !posted.has(keyOf(failure.index)));
  if (refused !== undefined) throw inBatch(refused.index, refused.error);
}

async function prepareBatch(
  db: Executor,
  inputs: readonly EntryInput[],
  accounts: ReadonlyMap<string, AccountFacts>,
): Promise<EntryToInsert[]> {
  const prepared: EntryToInsert[] = [];
  const failures: { index: number; error: DomainError }[] = [];
  inputs.forEach((input, index) => {
    try {
      prepared.push({ ...prepareEntry(input, accounts, null), id: newId("journal_entry") });
    } catch (error) {
      if (!(error instanceof DomainError)) throw error;
      failures.push({ index, error });
    }
  });
  await refuseUnlessReplays(db, inputs, failures);
  return prepared;
}

/** Inserts, leaving out replays that the posting statement refused, until it posts. */
async function insertBatch(
  deps: Deps,
  ctx: RequestContext,
  db: Executor,
  inputs: readonly EntryInput[],
  prepared: EntryToInsert[],
): Promise<Map<string, string>> {
  for (;;) {
    const outcome = await insertEntries(db, prepared, deps.clock.now(), ctx.actor.id);
    if (outcome.kind === "posted") return outcome.inserted;
    const { index, error } = refusalError(outcome, prepared);
    const inputIndex = inputs.findIndex((input) => input.idempotency_key === prepared[index]?.idempotency_key);
    await refuseUnlessReplays(db, inputs, [{ index: inputIndex, error }]);
    prepared.splice(index, 1);
  }
}

/**
 * Posts many entries at once, all or nothing, in one statement: every entry
 * and line goes in through `unnest`, and each touched account's balance gets
 * one netted update. Entries whose key already posted are skipped, so a
 * billing run that is re-run posts nothing twice. Emits no event per entry:
 * the run reports what it did.
 */
export async function postEntriesBatch(
  deps: Deps,
  ctx: RequestContext,
  inputs: readonly EntryInput[],
  tx?: Executor,
): Promise<BatchPostResult> {
  if (inputs.length === 0) return { entry_ids: [], posted_count: 0, duplicate_count: 0 };
  const db = tx ?? deps.db;
  const accountIds = new Set<string>();
  for (const input of inputs) for (const line of input.lines) accountIds.add(line.account_id);
  const accounts = await loadAccountFacts(db, [...accountIds]);
  const prepared = await prepareBatch(db, inputs, accounts);
  const keyToId = await insertBatch(deps, ctx, db, inputs, prepared);
  const postedCount = keyToId.size;
  const missing = inputs.map((input) => input.idempotency_key).filter((key) => !keyToId.has(key));
  for (const [key, id] of await findEntryIdsByKey(db, missing)) keyToId.set(key, id);
  ledgerPostingsTotal.inc({ path: "batch" }, postedCount);
  return {
    entry_ids: inputs.map((input) => keyToId.get(input.idempotency_key) as string),
    posted_count: postedCount,
    duplicate_count: inputs.length - postedCount,
  };
}
