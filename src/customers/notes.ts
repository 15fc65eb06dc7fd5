import type { RequestContext } from "../kernel/actor.js";
import { fromDate, toDate } from "../kernel/clock.js";
import { inTransaction } from "../kernel/db.js";
import type { Deps } from "../kernel/deps.js";
import { DomainError } from "../kernel/errors.js";
import { newId, parseId } from "../kernel/ids.js";
import type { Page } from "../kernel/pagination.js";
import { loadCustomerRow, recordCustomerAudit } from "./service.js";
import { findNote, insertNote, listNoteRows, type NoteRow, setNotePinned } from "./store.js";

/**
 * Notes on a customer: what the billing team needs the next person to know
 * ("invoices go to the Dublin AP team from May", "disputed March usage").
 * The author is whoever is signed in and the time is the clock's, never typed.
 * Notes are not edited or deleted: a correction is a new note.
 */
export interface CustomerNote {
  object: "customer_note";
  id: string;
  customer_id: string;
  body: string;
  pinned: boolean;
  author: { type: string; id: string; name: string | null };
  created_at: string;
  updated_at: string;
}

export const NOTE_LENGTH_MAX = 10_000;

function toNote(row: NoteRow): CustomerNote {
  return {
    object: "customer_note",
    id: row.id,
    customer_id: row.customer_id,
    body: row.body,
    pinned: row.pinned,
    author: { type: row.author_type, id: row.author_id, name: row.author_name },
    created_at: fromDate(row.created_at).toString(),
    updated_at: fromDate(row.updated_at).toString(),
  };
}

export async function addCustomerNote(
  deps: Deps,
  ctx: RequestContext,
  idOrExternalId: string,
  input: { body: string; pinned?: boolean | undefined },
): Promise<CustomerNote> {
  const body = input.body.trim();
  if (body === "" || body.length > NOTE_LENGTH_MAX) {
    throw new DomainError("parameter_invalid", `a note is 1 to ${NOTE_LENGTH_MAX} characters`, { param: "body" });
  }
  return inTransaction(deps.db, async (tx) => {
    const now = deps.clock.now();
    // Archived customers still take notes: the reason they were archived is one.
    const customer = await loadCustomerRow(tx, idOrExternalId);
    const row: NoteRow = {
      id: newId("customer_note"),
      customer_id: customer.id,
      body,
      pinned: input.pinned ?? false,
      author_type: ctx.actor.type,
      author_id: ctx.actor.id,
      author_name: ctx.actor.display_name ?? null,
      created_at: toDate(now),
      updated_at: toDate(now),
    };
    await insertNote(tx, row);
    const note = toNote(row);
    await recordCustomerAudit(
      tx,
      ctx,
      { action: "customer.note_added", customer_id: customer.id, before: null, after: note },
      now,
    );
    return note;
  });
}

/** Pinned notes are listed first on the customer page, so the one that matters is not buried. */
export async function setCustomerNotePinned(
  deps: Deps,
  ctx: RequestContext,
  idOrExternalId: string,
  noteId: string,
  pinned: boolean,
): Promise<CustomerNote> {
  parseId("customer_note", noteId, "note_id");
  return inTransaction(deps.db, async (tx) => {
    const now = deps.clock.now();
    const customer = await loadCustomerRow(tx, idOrExternalId);
    const before = await findNote(tx, customer.id, noteId, { lock: true });
    if (before === null) {
      throw new DomainError("customer_note_not_found", `customer ${customer.id} has no note ${noteId}`, {
        param: "note_id",
      });
    }
    if (before.pinned === pinned) return toNote(before);
    const after: NoteRow = { ...before, pinned, updated_at: toDate(now) };
    await setNotePinned(tx, noteId, pinned, after.updated_at);
    const action = pinned ? "customer.note_pinned" : "customer.note_unpinned";
    await recordCustomerAudit(
      tx,
      ctx,
      { action, customer_id: customer.id, before: toNote(before), after: toNote(after) },
      now,
    );
    return toNote(after);
  });
}

/** Pinned first, then newest first. `starting_after` is the last note id of the previous page. */
export async function listCustomerNotes(
  deps: Deps,
  idOrExternalId: string,
  page: { limit: number; starting_after?: string | undefined },
): Promise<Page<CustomerNote>> {
  const customer = await loadCustomerRow(deps.db, idOrExternalId);
  let after: NoteRow | undefined;
  if (page.starting_after !== undefined) {
    const cursor = await findNote(
      deps.db,
      customer.id,
      parseId("customer_note", page.starting_after, "starting_after"),
    );
    if (cursor === null) {
      throw new DomainError("customer_note_not_found", `no note ${page.starting_after}`, { param: "starting_after" });
    }
    after = cursor;
  }
  const { rows, has_more } = await listNoteRows(deps.db, customer.id, { limit: page.limit, after });
  return { data: rows.map(toNote), has_more };
}
