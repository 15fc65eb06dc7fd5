import { Temporal } from "temporal-polyfill";
import {
  type Approval,
  approve,
  recordAudit,
  registerApprovalHandler,
  registerRejectionHandler,
  requestApproval,
} from "../access/index.js";
import type { RequestContext } from "../kernel/actor.js";
import { fromDate, toDate } from "../kernel/clock.js";
import { inTransaction, type Tx } from "../kernel/db.js";
import type { Deps } from "../kernel/deps.js";
import { DomainError } from "../kernel/errors.js";
import { recordCatalogChange } from "./changes.js";
import { checkVersionTransition, diffRates } from "./rate-card-model.js";
import { affectedPeriods, queueDraftRerating } from "./rate-card-periods.js";
import { checkAfterLatest, coverageOf, mustFindRateCard, mustFindVersion, principalIds } from "./rate-card-service.js";
import { type RateCardVersionRow, rateCardVersions, updateRateCardVersion } from "./rate-card-store.js";
import { type RateCardVersion, rateCardVersionView } from "./rate-card-views.js";

/**
 * Maker-checker for rate cards: a draft goes to access's approvals, and only
 * when someone who did not edit it approves does it become a version in force.
 * The version is frozen while it waits, so what was approved is what was asked.
 */

export const RATE_CARD_APPROVAL_ACTION = "rate_card.approve_version";

interface VersionPayload {
  rate_card_id: string;
  version_id: string;
}

function summaryOf(cardName: string, version: RateCardVersionRow, previous: RateCardVersionRow | undefined): string {
  const diff = diffRates(previous?.rates ?? {}, version.rates);
  const counts = `${diff.added.length} added, ${diff.changed.length} changed, ${diff.removed.length} removed`;
  const from = version.effective_from === null ? "on approval" : `from ${fromDate(version.effective_from)}`;
  const affected = version.affected_periods;
  // The approver sees at once that a backdated version reaches invoiced periods.
  const covers =
    affected === null
      ? ""
      : `; backdated over ${affected.finalized.length} finalized period(s), left as invoiced, and ${affected.draft.length} draft period(s), re-rated on approval`;
  return `Rate card "${cardName}" version ${version.number} (${counts}), in force ${from}${covers}`;
}

/** POST /v1/rate_cards/{id}/versions/{version}/request_approval. */
export async function requestRateCardApproval(
  deps: Deps,
  ctx: RequestContext,
  id: string,
  versionRef: string,
): Promise<{ version: RateCardVersion; approval: Approval }> {
  return inTransaction(deps.db, async (tx) => {
    const now = deps.clock.now();
    const card = await mustFindRateCard(tx, id, true);
    const before = await mustFindVersion(tx, card, versionRef, "version");
    checkVersionTransition(before.status, "pending_approval");
    const versions = await rateCardVersions(tx, card.id);
    const previous = versions.filter((version) => version.status === "approved").at(-1);
    const startsAt = before.effective_from === null ? null : fromDate(before.effective_from);
    const assessed = {
      ...before,
      affected_periods: await affectedPeriods(tx, coverageOf(card, versions), startsAt, now),
    };
    const approval = await requestApproval({ ...deps, db: tx }, ctx, {
      action: RATE_CARD_APPROVAL_ACTION,
      object_type: "rate_card",
      object_id: card.id,
      payload: { rate_card_id: card.id, version_id: before.id } satisfies VersionPayload,
      summary: summaryOf(card.name, assessed, previous),
    });
    const row: RateCardVersionRow = {
      ...assessed,
      status: "pending_approval",
      approval_id: approval.id,
      // Asking is taking part: the requester may not approve, even through another key.
      edited_by: [...new Set([...before.edited_by, ...principalIds(ctx)])],
      updated_at: toDate(now),
    };
    await updateRateCardVersion(tx, row);
    const after = rateCardVersionView(row);
    await recordCatalogChange(
      tx,
      ctx,
      {
        action: "rate_card.version_approval_requested",
        object_type: "rate_card",
        object_id: card.id,
        before: rateCardVersionView(before),
        after,
      },
      now,
    );
    return { version: after, approval };
  });
}

/**
 * POST /v1/rate_cards/{id}/versions/{version}/approve: the version's pending
 * approval decided from the card, answering with the version as approved, so
 * a backdated one shows at once the periods it covers. Deciding at
 * /v1/approvals/{id}/approve does the same and answers with the approval.
 */
export async function approveRateCardVersion(
  deps: Deps,
  ctx: RequestContext,
  id: string,
  versionRef: string,
  input: { comment?: string | undefined } = {},
): Promise<{ version: RateCardVersion; approval: Approval }> {
  const card = await mustFindRateCard(deps.db, id);
  const pending = await mustFindVersion(deps.db, card, versionRef, "version");
  if (pending.status !== "pending_approval" || pending.approval_id === null) {
    throw new DomainError(
      "rate_card_version_not_pending",
      `version ${pending.number} is ${pending.status.replace("_", " ")}; only a version sent for approval is approved`,
      { param: "version" },
    );
  }
  const approval = await approve(deps, ctx, pending.approval_id, input);
  return { version: rateCardVersionView(await mustFindVersion(deps.db, card, pending.id, "version")), approval };
}

async function versionOf(tx: Tx, approval: Approval) {
  const payload = (approval.payload ?? {}) as Partial<VersionPayload>;
  const card = await mustFindRateCard(tx, String(payload.rate_card_id), true);
  const version = await mustFindVersion(tx, card, String(payload.version_id), "object_id");
  // Only the approval the version asked for decides it.
  if (version.approval_id !== approval.id) {
    throw new DomainError("rate_card_approval_stale", "this approval was not the one the version asked for", {
      param: "object_id",
    });
  }
  return { card, version };
}

/**
 * Runs in the approving transaction. The decider may not be anyone who edited
 * the draft (access already refuses the requester). A version whose start
 * has passed (dated back, or while it waited) covers periods already rated:
 * they are assessed again now and kept on the version; the draft ones are
 * re-rated by durable jobs queued in this transaction, and the finalized ones
 * are left as invoiced for a person to credit or adjust.
 */
async function approveVersion(tx: Tx, approval: Approval, ctx: RequestContext): Promise<void> {
  const decidedAt = Temporal.Instant.from(approval.decided_at ?? approval.created_at);
  const { card, version } = await versionOf(tx, approval);
  checkVersionTransition(version.status, "approved");
  if (principalIds(ctx).some((id) => version.edited_by.includes(id))) {
    throw new DomainError("rate_card_self_approval", "a rate card version is approved by someone who did not edit it");
  }
  const effectiveFrom = version.effective_from === null ? decidedAt : fromDate(version.effective_from);
  const versions = await rateCardVersions(tx, card.id);
  checkAfterLatest(versions, effectiveFrom);
  const affected = await affectedPeriods(tx, coverageOf(card, versions), effectiveFrom, decidedAt);
  const row: RateCardVersionRow = {
    ...version,
    status: "approved",
    effective_from: toDate(effectiveFrom),
    approved_by: ctx.actor.id,
    approved_at: toDate(decidedAt),
    affected_periods: affected,
    updated_at: toDate(decidedAt),
  };
  await updateRateCardVersion(tx, row);
  await queueDraftRerating(tx, ctx, { periods: affected?.draft ?? [], version_id: row.id, at: decidedAt });
  await recordCatalogChange(
    tx,
    ctx,
    {
      action: "rate_card.version_approved",
      object_type: "rate_card",
      object_id: card.id,
      before: rateCardVersionView(version),
      after: rateCardVersionView(row),
    },
    decidedAt,
  );
  if (affected !== null) {
    // Its own row, so the periods a person must correct are found by action in the audit log.
    await recordAudit(
      tx,
      ctx,
      {
        action: "rate_card.backdated_version_approved",
        object_type: "rate_card",
        object_id: card.id,
        after: { version: row.id, number: row.number, ...affected, draft_rerating: "queued" },
      },
      decidedAt,
    );
  }
}

async function rejectVersion(tx: Tx, approval: Approval, ctx: RequestContext): Promise<void> {
  const decidedAt = Temporal.Instant.from(approval.decided_at ?? approval.created_at);
  const { card, version } = await versionOf(tx, approval);
  checkVersionTransition(version.status, "rejected");
  const row: RateCardVersionRow = { ...version, status: "rejected", updated_at: toDate(decidedAt) };
  await updateRateCardVersion(tx, row);
  await recordCatalogChange(
    tx,
    ctx,
    {
      action: "rate_card.version_rejected",
      object_type: "rate_card",
      object_id: card.id,
      before: rateCardVersionView(version),
      after: rateCardVersionView(row),
    },
    decidedAt,
  );
}

registerApprovalHandler(RATE_CARD_APPROVAL_ACTION, approveVersion);
registerRejectionHandler(RATE_CARD_APPROVAL_ACTION, rejectVersion);
