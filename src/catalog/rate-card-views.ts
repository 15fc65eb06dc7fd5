import type { Temporal } from "temporal-polyfill";
import { fromDate } from "../kernel/clock.js";
import { type RateCardKind, type RateCardVersionStatus, type RateSet, versionInForce } from "./rate-card-model.js";
import type { AffectedPeriods } from "./rate-card-periods.js";
import type { RateCardRow, RateCardVersionRow } from "./rate-card-store.js";

/** Rate cards and their versions as the API and the audit log show them. */

export interface RateCardVersion {
  object: "rate_card_version";
  id: string;
  rate_card: string;
  number: number;
  status: RateCardVersionStatus;
  /** null on a draft that takes effect when approved. */
  effective_from: string | null;
  rates: RateSet;
  note: string | null;
  created_by: string;
  edited_by: string[];
  approval: string | null;
  approved_by: string | null;
  approved_at: string | null;
  /**
   * A version starting before it was created or approved: the rated periods
   * it covers, as assessed last (on approval, once approved); null otherwise.
   */
  affected_periods: AffectedPeriods | null;
  created_at: string;
  updated_at: string;
}

export interface RateCard {
  object: "rate_card";
  id: string;
  kind: RateCardKind;
  currency: string;
  customer: string | null;
  name: string;
  /** The approved version in force now, if any. */
  version_in_force: RateCardVersion | null;
  /** The version being worked on (draft or waiting for approval), if any. */
  open_version: RateCardVersion | null;
  created_at: string;
}

const instantText = (date: Date | null) => (date === null ? null : fromDate(date).toString());

export function rateCardVersionView(row: RateCardVersionRow): RateCardVersion {
  return {
    object: "rate_card_version",
    id: row.id,
    rate_card: row.rate_card_id,
    number: row.number,
    status: row.status,
    effective_from: instantText(row.effective_from),
    rates: row.rates,
    note: row.note,
    created_by: row.created_by,
    edited_by: row.edited_by,
    approval: row.approval_id,
    approved_by: row.approved_by,
    approved_at: instantText(row.approved_at),
    affected_periods: row.affected_periods,
    created_at: fromDate(row.created_at).toString(),
    updated_at: fromDate(row.updated_at).toString(),
  };
}

/** A row with its timing read for `versionInForce`. */
export function versionTiming(row: RateCardVersionRow) {
  return {
    row,
    number: row.number,
    status: row.status,
    effective_from: row.effective_from === null ? null : fromDate(row.effective_from),
  };
}

export function rateCardView(
  card: RateCardRow,
  versions: readonly RateCardVersionRow[],
  now: Temporal.Instant,
): RateCard {
  const inForce = versionInForce(versions.map(versionTiming), now)?.row;
  const open = versions.find((version) => version.status === "draft" || version.status === "pending_approval");
  return {
    object: "rate_card",
    id: card.id,
    kind: card.kind,
    currency: card.currency,
    customer: card.customer_id,
    name: card.name,
    version_in_force: inForce === undefined ? null : rateCardVersionView(inForce),
    open_version: open === undefined ? null : rateCardVersionView(open),
    created_at: fromDate(card.created_at).toString(),
  };
}
