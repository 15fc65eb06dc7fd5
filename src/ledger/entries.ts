import type { Temporal } from "temporal-polyfill";
import { recordAudit } from "../access/index.js";
import type { RequestContext } from "../kernel/actor.js";
import { type Executor, inTransaction } from "../kernel/db.js";
import type { Deps } from "../kernel/deps.js";
import { DomainError } from "../kernel/errors.js";
import { newId, parseId } from "../kernel/ids.js";
import { emitEvent } from "../kernel/outbox.js";
import type { PageRequest } from "../kernel/pagination.js";
import { type EntryFilter, findEntry, listEntries as listEntryRows, lockEntry } from "./entry-store.js";
import { journalEntryJson } from "./json.js";
import { checkEntryShape, checkReversible, type EntryInput, mirroredLines, reversalKey } from "./model.js";
import { type JournalEntry, postOneEntry } from "./service.js";

/** Entries people post and reverse through the API (audited and announced), and reading entries. */

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
    const { entry } = await postOneEntry(deps, ctx, tx, input, { id });
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
    const { entry } = await postOneEntry(deps, ctx, inner, input, { reversesEntryId: original.id });
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
