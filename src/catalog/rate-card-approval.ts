import { Temporal } from "temporal-polyfill";
import { type Approval, registerApprovalHandler, registerRejectionHandler, requestApproval } from "../access/index.js";
import type { RequestContext } from "../kernel/actor.js";
import { fromDate, toDate } from "../kernel/clock.js";
import { inTransaction, type Tx } from "../kernel/db.js";
import type { Deps } from "../kernel/deps.js";
import { DomainError } from "../kernel/errors.js";
import { recordCatalogChange } from "./changes.js";
import { checkVersionTransition, diffRates } from "./rate-card-model.js";
import { checkAfterLatest, mustFindRateCard, mustFindVersion, principalIds } from "./rate-card-service.js";
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
  return `Rate card "${cardName}" version ${version.number} (${counts}), in force ${from}`;
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
    const approval = await requestApproval({ ...deps, db: tx }, ctx, {
      action: RATE_CARD_APPROVAL_ACTION,
      object_type: "rate_card",
      object_id: card.id,
      payload: { rate_card_id: card.id, version_id: before.id } satisfies VersionPayload,
      summary: summaryOf(card.name, before, previous),
    });
    const row: RateCardVersionRow = {
      ...before,
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
 * the draft (access already refuses the requester). A version that was to
 * start at an instant that has passed while it waited is refused: rates
 * already used for rating do not change behind the charges.
 */
async function approveVersion(tx: Tx, approval: Approval, ctx: RequestContext): Promise<void> {
  const decidedAt = Temporal.Instant.from(approval.decided_at ?? approval.created_at);
  const { card, version } = await versionOf(tx, approval);
  checkVersionTransition(version.status, "approved");
  if (principalIds(ctx).some((id) => version.edited_by.includes(id))) {
    throw new DomainError("rate_card_self_approval", "a rate card version is approved by someone who did not edit it");
  }
  const effectiveFrom = version.effective_from === null ? decidedAt : fromDate(version.effective_from);
  if (version.number > 1 && Temporal.Instant.compare(effectiveFrom, decidedAt) < 0) {
    throw new DomainError(
      "rate_card_approval_stale",
      `version ${version.number} was to start at ${effectiveFrom}, which has passed; reject it and make a new version`,
      { param: "effective_from" },
    );
  }
  checkAfterLatest(await rateCardVersions(tx, card.id), effectiveFrom);
  const row: RateCardVersionRow = {
    ...version,
    status: "approved",
    effective_from: toDate(effectiveFrom),
    approved_by: ctx.actor.id,
    approved_at: toDate(decidedAt),
    updated_at: toDate(decidedAt),
  };
  await updateRateCardVersion(tx, row);
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
