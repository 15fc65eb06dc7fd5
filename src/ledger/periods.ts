import { recordAudit } from "../access/index.js";
import type { RequestContext } from "../kernel/actor.js";
import { inTransaction } from "../kernel/db.js";
import type { Deps } from "../kernel/deps.js";
import { newId } from "../kernel/ids.js";
import { emitEvent } from "../kernel/outbox.js";
import type { PageRequest } from "../kernel/pagination.js";
import { parseDate } from "../kernel/time.js";
import { periodLockJson } from "./json.js";
import { checkClose, checkReopen, type PeriodState } from "./model.js";
import {
  findPeriodLock,
  insertPeriodLock,
  listPeriodLocks as listPeriodLockRows,
  lockPeriodState,
  type PeriodLock,
  readPeriodState,
  savePeriodState,
} from "./store.js";

/**
 * Period locks: closing the books through a date, and reopening them.
 *
 * Race-free by one lock that every posting takes shared and holds to commit,
 * and that a close or reopen takes exclusively (an advisory lock; migration
 * 0003 says why not a row lock). A close therefore waits for the postings in
 * flight to commit, and postings that start meanwhile wait for the close and
 * then read its date. A posting either committed before the close (and the
 * closed period's figures include it) or fails with period_closed.
 */

export async function getPeriodState(deps: Deps): Promise<PeriodState> {
  return readPeriodState(deps.db);
}

/** Closes every date up to and including `through`; audited and announced (ledger.period_closed). */
export async function closePeriod(deps: Deps, ctx: RequestContext, input: { through: string }): Promise<PeriodLock> {
  const through = parseDate(input.through, "through").toString();
  return inTransaction(deps.db, async (tx) => {
    const state = await lockPeriodState(tx);
    checkClose(state, through);
    const lock: PeriodLock = {
      id: newId("period_lock"),
      action: "close",
      through,
      closed_through: through,
      previous_lock_id: state.lock_id,
      reason: ctx.reason ?? null,
      created_by: ctx.actor.id,
      created_at: deps.clock.now(),
    };
    await insertPeriodLock(tx, lock);
    await savePeriodState(tx, { closed_through: through, lock_id: lock.id });
    const json = periodLockJson(lock);
    await emitEvent(tx, { type: "ledger.period_closed", data: json }, lock.created_at, ctx.request_id);
    await recordAudit(
      tx,
      ctx,
      { action: "ledger.period_closed", object_type: "period_lock", object_id: lock.id, before: state, after: json },
      lock.created_at,
    );
    return lock;
  });
}

/**
 * Undoes the latest close still in effect: the books go back to being closed
 * through the close before it (or not at all). A reason is required; it is
 * kept on the lock row and in the audit log.
 */
export async function reopenPeriod(deps: Deps, ctx: RequestContext, input: { reason: string }): Promise<PeriodLock> {
  return inTransaction(deps.db, async (tx) => {
    const state = await lockPeriodState(tx);
    const reason = checkReopen(state, input.reason);
    const current = await findPeriodLock(tx, state.lock_id as string);
    if (current === undefined) throw new Error(`the close in effect (${state.lock_id}) is missing`);
    const previous = current.previous_lock_id === null ? undefined : await findPeriodLock(tx, current.previous_lock_id);
    const next: PeriodState = { closed_through: previous?.through ?? null, lock_id: previous?.id ?? null };
    const lock: PeriodLock = {
      id: newId("period_lock"),
      action: "reopen",
      through: current.through,
      closed_through: next.closed_through,
      previous_lock_id: current.id,
      reason,
      created_by: ctx.actor.id,
      created_at: deps.clock.now(),
    };
    await insertPeriodLock(tx, lock);
    await savePeriodState(tx, next);
    const json = periodLockJson(lock);
    await emitEvent(tx, { type: "ledger.period_reopened", data: json }, lock.created_at, ctx.request_id);
    await recordAudit(
      tx,
      ctx,
      { action: "ledger.period_reopened", object_type: "period_lock", object_id: lock.id, before: state, after: json },
      lock.created_at,
    );
    return lock;
  });
}

export async function listPeriodLocks(
  deps: Deps,
  page: PageRequest,
): Promise<{ data: PeriodLock[]; has_more: boolean }> {
  return listPeriodLockRows(deps.db, page);
}
