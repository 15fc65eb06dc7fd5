import { Decimal } from "../kernel/money.js";
import { exactAmountText } from "./rating-model.js";

/**
 * An event's rating status, as the events explorer shows it. The latest
 * rating of the event's period decides: its error makes the event unrated
 * (even when an earlier rating's charges are already on a finalized
 * invoice, the script no longer rates it); its charges make it rated; a
 * rating of the period made after the event arrived that left neither means
 * the script emitted nothing for it. An event of a customer no charge
 * script rates (no assignment, no default script) is counted by meters
 * only and never waits for a script. Anything else is waiting for a rating:
 * billing, a re-rating or a late-event rating will reach it.
 */

export const RATING_STATUSES = ["rated", "unrated", "pending", "no_charge", "not_scripted"] as const;
export type RatingStatus = (typeof RATING_STATUSES)[number];

/** What is stored about one event's rating. */
export interface RatingFacts {
  charges: number;
  /** The exact sum of the event's charges (its invoice line rounds), null without charges. */
  amount: string | null;
  currency: string | null;
  error: { code: string; message: string; script_line: number | null; script_version_id: string } | null;
  /** A rating of the event's period ran at or after the event was received. */
  covered: boolean;
  /** A charge script rates the customer: one assigned to it, or a default script (the event is its period's usage). */
  scripted: boolean;
}

export interface EventRating {
  charges: number;
  amount: string | null;
  currency: string | null;
  error: { code: string; message: string; script_line: number | null; script_version: string } | null;
}

export function ratingStatusOf(facts: RatingFacts): RatingStatus {
  if (facts.error !== null) return "unrated";
  if (facts.charges > 0) return "rated";
  if (facts.covered) return "no_charge";
  return facts.scripted ? "pending" : "not_scripted";
}

export function eventRatingOf(facts: RatingFacts): EventRating {
  const amount =
    facts.amount === null || facts.currency === null
      ? null
      : exactAmountText(new Decimal(facts.amount), facts.currency);
  return {
    charges: facts.charges,
    amount,
    currency: facts.currency,
    error:
      facts.error === null
        ? null
        : {
            code: facts.error.code,
            message: facts.error.message,
            script_line: facts.error.script_line,
            script_version: facts.error.script_version_id,
          },
  };
}

/** Facts for an event nothing is stored about. */
export const NOTHING_STORED: RatingFacts = {
  charges: 0,
  amount: null,
  currency: null,
  error: null,
  covered: false,
  scripted: true,
};
