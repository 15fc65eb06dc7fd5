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

/** How periods are cut: the interval and the anchor. */
export interface BillingCycle {
  interval: BillingInterval;
  anchor: BillingAnchor;
}

export interface PhaseCycle extends BillingCycle {
  /**
   * The number of the new schedule's first period, as the change recorded it;
   * derived from the schedule before (see scheduleSegments) when absent.
   */
  first_index?: number | undefined;
}

export interface Phase {
  id: string;
  starts_at: Temporal.Instant;
  items: PhaseItem[];
  /**
   * Set when the phase moves to another interval: the billing cycle restarts
   * at the phase's start (see scheduleSegments). Absent: the schedule in force goes on.
   */
  cycle?: PhaseCycle | undefined;
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

const before = (a: Temporal.Instant, b: Temporal.Instant) => Temporal.Instant.compare(a, b) < 0;
const atOrBefore = (a: Temporal.Instant, b: Temporal.Instant) => Temporal.Instant.compare(a, b) <= 0;

/**
 * One stretch of the billing schedule: period `first_index` starts at
 * `starts_at`, and the periods after it follow `interval` and `anchor` until
 * the next segment starts.
 */
export interface ScheduleSegment extends BillingCycle {
  starts_at: Temporal.Instant;
  first_index: number;
}

function segmentSchedule(subscription: SubscriptionTerms, segment: ScheduleSegment): BillingSchedule {
  return {
    start: segment.starts_at,
    interval: segment.interval,
    anchor: segment.anchor,
    timeZone: subscription.time_zone,
  };
}

/**
 * The billing schedule as segments, oldest first. The first starts at
 * billing_start with the subscription's own interval and anchor; each phase
 * with a `cycle` starts another, as Stripe resets the billing cycle on an
 * interval change: the period holding the phase's start ends there (cut
 * short), and the new schedule's first period is numbered one after it, so
 * period numbers keep counting up (k, then k + 1) and each is invoiced once.
 * A phase starting on a period boundary cuts nothing: its first period takes
 * the number of the period that would have started there, unless the change
 * recorded the next number (the period starting there was billed before the
 * change; it is then cut to nothing, and credited). A restart at or
 * before a segment's start (an interval change during a trial) replaces that
 * segment's interval and anchor.
 */
export function scheduleSegments(subscription: SubscriptionTerms): ScheduleSegment[] {
  const segments: ScheduleSegment[] = [
    {
      starts_at: subscription.billing_start,
      first_index: 0,
      interval: subscription.interval,
      anchor: subscription.anchor,
    },
  ];
  for (const phase of subscription.phases) {
    if (phase.cycle === undefined) continue;
    const last = segments[segments.length - 1] as ScheduleSegment;
    const { interval, anchor } = phase.cycle;
    if (atOrBefore(phase.starts_at, last.starts_at)) {
      segments[segments.length - 1] = { ...last, interval, anchor };
      continue;
    }
    const cut = periodContaining(segmentSchedule(subscription, last), phase.starts_at);
    const derived = last.first_index + cut.index + (cut.start.equals(phase.starts_at) ? 0 : 1);
    segments.push({ starts_at: phase.starts_at, first_index: phase.cycle.first_index ?? derived, interval, anchor });
  }
  return segments;
}

/** The segment a period number or an instant falls in: the last one starting at or before it. */
function segmentOf(
  segments: readonly ScheduleSegment[],
  holds: (segment: ScheduleSegment) => boolean,
): { segment: ScheduleSegment; next: ScheduleSegment | undefined } {
  let position = segments.length - 1;
  while (position > 0 && !holds(segments[position] as ScheduleSegment)) position -= 1;
  return { segment: segments[position] as ScheduleSegment, next: segments[position + 1] };
}

/** Period `index` whole as its schedule cuts it, and as billed: cut short where the next segment starts. */
function periodOnSegments(
  subscription: SubscriptionTerms,
  segments: readonly ScheduleSegment[],
  index: number,
): { period: BillingPeriod; uncut: BillingPeriod } {
  const { segment, next } = segmentOf(segments, (candidate) => candidate.first_index <= index);
  const local = billingPeriod(segmentSchedule(subscription, segment), index - segment.first_index);
  const uncut = { ...local, index };
  if (next === undefined || index !== next.first_index - 1 || !before(next.starts_at, local.end)) {
    return { period: uncut, uncut };
  }
  const endLocal = next.starts_at.toZonedDateTimeISO(subscription.time_zone);
  return { period: { ...uncut, end: next.starts_at, endLocal }, uncut };
}

/** Period number `index` (0 = the first) across every segment of the schedule. */
export function subscriptionPeriod(subscription: SubscriptionTerms, index: number): BillingPeriod {
  return periodOnSegments(subscription, scheduleSegments(subscription), index).period;
}

/** The interval and anchor in force at an instant (the first segment's before billing starts). */
export function cycleAt(subscription: SubscriptionTerms, at: Temporal.Instant): ScheduleSegment {
  return segmentOf(scheduleSegments(subscription), (segment) => atOrBefore(segment.starts_at, at)).segment;
}

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
  // A period cut short by an interval change bills its share of the period it would have been.
  const { uncut } = periodOnSegments(subscription, scheduleSegments(subscription), period.index);
  const whole = periodShare(uncut, uncut.start, uncut.end, "seconds");
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
 * `limit` stops the list at that many: the next period to bill needs one,
 * not a year of daily periods.
 */
export function billablePeriods(
  subscription: SubscriptionTerms,
  asOf: Temporal.Instant,
  limit = BILLABLE_PERIODS_MAX,
): BillingPeriod[] {
  const segments = scheduleSegments(subscription);
  const periods: BillingPeriod[] = [];
  const first = (subscription.last_billed_period_index ?? -1) + 1;
  const most = Math.min(limit, BILLABLE_PERIODS_MAX);
  let index = first;
  // The second bound stops a walk through years of paused daily periods, which push nothing.
  while (periods.length < most && index - first < PERIODS_BETWEEN_MAX) {
    const { period } = periodOnSegments(subscription, segments, index);
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
  const segments = scheduleSegments(subscription);
  const { segment } = segmentOf(segments, (candidate) => atOrBefore(candidate.starts_at, at));
  const local = periodContaining(segmentSchedule(subscription, segment), at);
  return periodOnSegments(subscription, segments, segment.first_index + local.index).period;
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
  return subscriptionPeriod(subscription, lastOfTerm).end;
}

/** The trial's end from a number of days, counted on the customer's calendar (a DST day is one day). */
export function trialEndAfterDays(start: Temporal.Instant, days: number, timeZone: string): Temporal.Instant {
  return start.toZonedDateTimeISO(timeZone).add({ days }).toInstant();
}
