import { Temporal } from "temporal-polyfill";
import type { BillingInterval } from "../kernel/periods.js";

/**
 * The arithmetic of advancing a test clock: how far one advance may go, when
 * an open invoice becomes overdue, and which instant comes next. Pure: the
 * service loads the clock's subscriptions and invoices and asks here.
 */

/** A subscription's interval on its customer's clock. */
export interface ClockInterval {
  interval: BillingInterval;
  time_zone: string;
}

/** With no subscription on the clock's customers, an advance may move two years. */
export const ADVANCE_WITHOUT_SUBSCRIPTIONS: BillingInterval = { unit: "year", count: 1 };

const PLURAL = { day: "days", week: "weeks", month: "months", year: "years" } as const;

/** Two intervals after `from`, counted on the customer's calendar in its time zone. */
function twoIntervalsAfter(from: Temporal.Instant, interval: BillingInterval, timeZone: string): Temporal.Instant {
  return from
    .toZonedDateTimeISO(timeZone)
    .add({ [PLURAL[interval.unit]]: interval.count * 2 })
    .toInstant();
}

/**
 * As Stripe does: one advance moves at most two intervals of the
 * shortest-interval subscription among the clock's customers (so every
 * period's invoice is seen, one or two at a time), two years without one.
 */
export function advanceLimit(from: Temporal.Instant, intervals: readonly ClockInterval[]): Temporal.Instant {
  const limits = intervals.map((entry) => twoIntervalsAfter(from, entry.interval, entry.time_zone));
  if (limits.length === 0) return twoIntervalsAfter(from, ADVANCE_WITHOUT_SUBSCRIPTIONS, "UTC");
  return limits.reduce((earliest, limit) => (Temporal.Instant.compare(limit, earliest) < 0 ? limit : earliest));
}

/**
 * An invoice is overdue once its due date has ended on the customer's clock:
 * at local midnight starting the day after it (the due date is the last day to pay).
 */
export function overdueAt(dueDate: string, timeZone: string): Temporal.Instant {
  return Temporal.PlainDate.from(dueDate).add({ days: 1 }).toZonedDateTime({ timeZone }).toInstant();
}

/** The earliest instant strictly after `after` and at or before `until`, if any. */
export function nextInstant(
  candidates: Iterable<Temporal.Instant>,
  after: Temporal.Instant,
  until: Temporal.Instant,
): Temporal.Instant | undefined {
  let next: Temporal.Instant | undefined;
  for (const candidate of candidates) {
    if (Temporal.Instant.compare(candidate, after) <= 0 || Temporal.Instant.compare(candidate, until) > 0) continue;
    if (next === undefined || Temporal.Instant.compare(candidate, next) < 0) next = candidate;
  }
  return next;
}

/**
 * An advance saves the clock at every stop; one that has been silent this
 * long died with its process, and the clock may be advanced (resumed from the
 * last stop saved) or deleted again.
 */
export const ADVANCE_SILENCE_MAX = Temporal.Duration.from({ minutes: 10 });

export function advanceInProgress(
  clock: { status: "ready" | "advancing"; updated_at: Temporal.Instant },
  now: Temporal.Instant,
): boolean {
  return clock.status === "advancing" && Temporal.Instant.compare(now, clock.updated_at.add(ADVANCE_SILENCE_MAX)) < 0;
}

/** Whether `instant` lies in the half-open span (after, until]. */
export function inSpan(instant: Temporal.Instant, after: Temporal.Instant, until: Temporal.Instant): boolean {
  return Temporal.Instant.compare(after, instant) < 0 && Temporal.Instant.compare(instant, until) <= 0;
}
