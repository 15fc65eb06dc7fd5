import type { Temporal } from "temporal-polyfill";
import type { RequestContext } from "../kernel/actor.js";
import type { Tx } from "../kernel/db.js";
import type { Deps } from "../kernel/deps.js";
import type { AssembledInvoice } from "./assembly.js";
import { DEFAULT_ENTITY, type Finalizing, onPlainPath, postAndNumber, withAccounts } from "./finalize-batch.js";
import { loadLegalEntity } from "./legal-entity-service.js";
import { type BatchDraft, reviewDraftsInBulk } from "./review-batch.js";
import { autoFinalizeDecision } from "./review-model.js";

/**
 * A billing run finalizes as it writes. A draft of the run's fast path that
 * the auto-finalize job would finalize at this very instant (clean, no
 * approver needed, the customer's grace period zero, a live customer of the
 * default legal entity with no credit to spend) is written finalized, in the
 * chunk's own transaction: the same review, figures, number, ledger entry and
 * outbox event the job would give it a moment later, without writing it
 * twice and pricing it again. Every other draft is written a draft and waits
 * for its grace period, the job or a person, as before.
 */

export interface RunDraft extends BatchDraft {
  /** The figures the draft was priced at, on the run's instant: what the entry posts. */
  assembled: AssembledInvoice;
}

/**
 * The drafts among `drafts` that finalize now, as copies with the number,
 * dates, seller, buyer and ledger entry set (the entries are posted and the
 * numbers taken in `tx`); the drafts themselves are left untouched, so a
 * retried transaction starts from them afresh. `deps` is the page's (its
 * memo keeps catalog rows); ledger accounts are remembered only within `tx`.
 */
export async function finalizeOnWrite(
  deps: Deps,
  ctx: RequestContext,
  tx: Tx,
  drafts: readonly RunDraft[],
  at: Temporal.Instant,
): Promise<Finalizing[]> {
  const plain = drafts.filter(onPlainPath);
  if (plain.length === 0) return [];
  const now = { now: () => at };
  const outcomes = await reviewDraftsInBulk({ ...deps, db: tx, clock: now }, tx, plain, { stored: false });
  const due = plain.filter((draft) => {
    const outcome = outcomes.get(draft.invoice.id);
    return outcome !== undefined && autoFinalizeDecision(outcome, at) === "finalize";
  });
  if (due.length === 0) return [];
  // A memo of its own: accounts this transaction creates must not outlive a rollback of it.
  const ledger: Deps = { db: tx, clock: now, memo: new Map() };
  const copies = due.map((draft) => ({ ...draft, invoice: { ...draft.invoice } }));
  const { ready } = await withAccounts(ledger, tx, copies, at);
  if (ready.length === 0) return [];
  const entity = await loadLegalEntity(tx, DEFAULT_ENTITY, { share: true });
  await postAndNumber(ledger, ctx, tx, { ready, entity, at });
  return ready;
}
