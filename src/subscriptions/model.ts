import { Temporal } from "temporal-polyfill";
import type { Decimal } from "../kernel/money.js";
import {
  type BillingAnchor,
  type BillingInterval,
  type BillingPeriod,
  type BillingSchedule,
  billingPeriod,
  PERIODS_BETWEEN_MAX,
  periodContaining,
  periodShare,
} from "../kernel/periods.js";

/**
 * A subscription as the billing arithmetic sees it: plain data, no I/O, no
 * clock. The service loads it; billing runs and invoicing call the functions
 * here (through index.ts) with it.
 */

export type BillingTiming = "in_advance" | "in_arrears";

export interface PhaseItem {
  id: string;
  price_id: string;
  price_version_id: string;
  quantity: Decimal;
  /** A usage-based price: its quantity comes from the usage module each period, not from here. */
  metered: boolean;
  description: string;
}

export interface Phase {
  id: string;
  starts_at: Temporal.Instant;
  items: PhaseItem[];
}

export interface Pause {
  paused_at: Temporal.Instant;
  /** Absent while the subscription is still paused. */
  resumed_at?: Temporal.Instant | undefined;
}

export interface SubscriptionTerms {
  id: string;
  customer_id: string;
  currency: string;
  interval: BillingInterval;
  billing_timing: BillingTiming;
  time_zone: string;
  anchor: BillingAnchor;
  start_at: Temporal.Instant;
  trial_end?: Temporal.Instant | undefined;
  /** Period 0 starts here: the trial's end, or the start. */
  billing_start: Temporal.Instant;
  ended_at?: Temporal.Instant | undefined;
  /** Null until the first period is billed. */
  last_billed_period_index: number | null;
  /** Oldest first. */
  phases: Phase[];
  pauses: Pause[];
}

export function scheduleOf(subscription: SubscriptionTerms): BillingSchedule {
  return {
    start: subscription.billing_start,
    interval: subscription.interval,
    anchor: subscription.anchor,
    timeZone: subscription.time_zone,
  };
}

const before = (a: Temporal.Instant, b: Temporal.Instant) => Temporal.Instant.compare(a, b) < 0;
const atOrBefore = (a: Temporal.Instant, b: Temporal.Instant) => Temporal.Instant.compare(a, b) <= 0;

/** The phase in force at an instant: the last one started at or before it (the first, before any). */
export function phaseAt(subscription: Pick<SubscriptionTerms, "phases">, at: Temporal.Instant): Phase {
  const started = subscription.phases.filter((phase) => atOrBefore(phase.starts_at, at));
  const phase = started.at(-1) ?? subscription.phases[0];
  if (phase === undefined) throw new Error(`subscription has no phase`);
  return phase;
}

/** When a period's charge is due: its start when billed in advance, its end in arrears. */
export function billingInstant(subscription: SubscriptionTerms, period: BillingPeriod): Temporal.Instant {
  return subscription.billing_timing === "in_advance" ? period.start : period.end;
}

function pausedAt(subscription: SubscriptionTerms, at: Temporal.Instant): boolean {
  return subscription.pauses.some(
    (pause) => atOrBefore(pause.paused_at, at) && (pause.resumed_at === undefined || before(at, pause.resumed_at)),
  );
}

/**
 * The seconds of a period the subscription was live: not paused, not ended.
 * Measured in seconds, as proration is, so a partly paused period in arrears
 * bills exactly the time it was used.
 */
export function activeShare(subscription: SubscriptionTerms, period: BillingPeriod): { used: Decimal; whole: Decimal } {
  const end =
    subscription.ended_at !== undefined && before(subscription.ended_at, period.end)
      ? subscription.ended_at
      : period.end;
  const whole = periodShare(period, period.start, period.end, "seconds");
  let used = periodShare(period, period.start, end, "seconds").used;
  for (const pause of subscription.pauses) {
    const pauseEnd = pause.resumed_at ?? period.end;
    const clampedEnd = before(pauseEnd, end) ? pauseEnd : end;
    if (!before(pause.paused_at, clampedEnd)) continue;
    used = used.minus(periodShare(period, pause.paused_at, clampedEnd, "seconds").used);
  }
  return { used, whole: whole.whole };
}

/**
 * Whether a period is billed at all. The rule for pauses: a period billed in
 * advance is billed whole when the subscription is live at its start and not
 * at all when it is paused then (resuming mid-period bills nothing until the
 * next period); a period billed in arrears bills the seconds it was live, so
 * a period paused throughout bills nothing. A period starting at or after the
 * end is never billed.
 */
export function isPeriodBilled(subscription: SubscriptionTerms, period: BillingPeriod): boolean {
  if (subscription.ended_at !== undefined && atOrBefore(subscription.ended_at, period.start)) return false;
  if (subscription.billing_timing === "in_advance") return !pausedAt(subscription, period.start);
  return !activeShare(subscription, period).used.isZero();
}

/** A catch-up run several years behind stops here; the next run continues. */
const BILLABLE_PERIODS_MAX = 400;

/**
 * The periods due for billing by `asOf` and not billed yet (after
 * `last_billed_period_index`), oldest first, in the customer's time zone.
 * "Due" is the billing instant: the period's start in advance, its end in
 * arrears (so in arrears these are the periods whose end ≤ asOf). Periods the
 * pause rule leaves unbilled are skipped; after the end, nothing is due.
 */
export function billablePeriods(subscription: SubscriptionTerms, asOf: Temporal.Instant): BillingPeriod[] {
  const schedule = scheduleOf(subscription);
  const periods: BillingPeriod[] = [];
  const first = (subscription.last_billed_period_index ?? -1) + 1;
  let index = first;
  // The second bound stops a walk through years of paused daily periods, which push nothing.
  while (periods.length < BILLABLE_PERIODS_MAX && index - first < PERIODS_BETWEEN_MAX) {
    const period = billingPeriod(schedule, index);
    if (!atOrBefore(billingInstant(subscription, period), asOf)) break;
    if (subscription.ended_at !== undefined && atOrBefore(subscription.ended_at, period.start)) break;
    if (isPeriodBilled(subscription, period)) periods.push(period);
    index += 1;
  }
  return periods;
}

/** The period holding an instant, or undefined before billing starts (during a trial or before the start). */
export function currentPeriod(subscription: SubscriptionTerms, at: Temporal.Instant): BillingPeriod | undefined {
  if (before(at, subscription.billing_start)) return undefined;
  return periodContaining(scheduleOf(subscription), at);
}

export type SubscriptionStatus = "scheduled" | "trialing" | "active" | "paused" | "canceled";

export function statusAt(subscription: SubscriptionTerms, at: Temporal.Instant): SubscriptionStatus {
  if (subscription.ended_at !== undefined && atOrBefore(subscription.ended_at, at)) return "canceled";
  if (before(at, subscription.start_at)) return "scheduled";
  if (pausedAt(subscription, at)) return "paused";
  if (subscription.trial_end !== undefined && before(at, subscription.trial_end)) return "trialing";
  return "active";
}

/** The end of the term holding `at`: terms are `term_periods` periods long and renew back to back. */
export function termEnd(subscription: SubscriptionTerms, term_periods: number, at: Temporal.Instant): Temporal.Instant {
  const period = currentPeriod(subscription, at);
  const index = period?.index ?? 0;
  const lastOfTerm = (Math.floor(index / term_periods) + 1) * term_periods - 1;
  return billingPeriod(scheduleOf(subscription), lastOfTerm).end;
}

/** The trial's end from a number of days, counted on the customer's calendar (a DST day is one day). */
export function trialEndAfterDays(start: Temporal.Instant, days: number, timeZone: string): Temporal.Instant {
  return start.toZonedDateTimeISO(timeZone).add({ days }).toInstant();
}
