import { Temporal } from "temporal-polyfill";
import { monthsAfter } from "./calendar.js";
import { assert, assertNever, DomainError } from "./errors.js";
import { Decimal } from "./money.js";
import { parseTimeZone } from "./time.js";

/**
 * Billing periods in the customer's time zone, half-open [start, end).
 *
 * Every boundary is computed from the schedule's anchor and the period's
 * number, never by adding an interval to the previous end. Adding would
 * drift: Jan 31 + 1 month is Feb 29, and Feb 29 + 1 month is Mar 29, so a
 * customer billed on the last day of the month would slide to the 28th and
 * stay there. From the anchor, period 2 is "Jan 31 + 2 months" = Mar 31.
 */

export type IntervalUnit = "day" | "week" | "month" | "year";

export interface BillingInterval {
  unit: IntervalUnit;
  count: number;
}

/**
 * `anniversary`: periods start at the subscription's start, to the second,
 * on the same day of the month (clamped to the month's last day) and at the
 * same local time of day, as Stripe does. Keeping the time of day means the
 * first period is a whole period: a customer who signs up at 15:00 is not
 * billed for the 15 hours before they existed. Day and week intervals count
 * calendar days on the customer's clock, so a daily period holding a DST
 * change lasts 23 or 25 hours and the next one starts at the usual time.
 *
 * `day_of_month`: periods start at local midnight on that day (1–31, clamped
 * to the month's last day: 31 gives Jan 31, Feb 28 or 29, Mar 31, Apr 30).
 * When the subscription starts before the first such midnight, the first
 * period is a stub from the start to that midnight. Months and years only.
 */
export type BillingAnchor = { kind: "anniversary" } | { kind: "day_of_month"; day: number };

export interface BillingSchedule {
  /** When billing begins; period 0 starts here. */
  start: Temporal.Instant;
  interval: BillingInterval;
  anchor: BillingAnchor;
  /** The customer's IANA time zone, in which days, months and midnights are counted. */
  timeZone: string;
}

export interface BillingPeriod {
  /** 0 for the first period (the stub, when there is one), counting up. */
  index: number;
  start: Temporal.Instant;
  end: Temporal.Instant;
  /** The same boundaries on the customer's wall clock, for invoices and day counting. */
  startLocal: Temporal.ZonedDateTime;
  endLocal: Temporal.ZonedDateTime;
  /** A first period shorter than the interval, up to the first anchor day. */
  isStub: boolean;
}

/** Stripe's limit: an interval of at most three years (36 months, 156 weeks, 1095 days). */
const INTERVAL_COUNT_MAX: Readonly<Record<IntervalUnit, number>> = { day: 1095, week: 156, month: 36, year: 3 };

/** Catch-up billing of ten years of daily periods is 3,650; more than this is a mistaken range. */
export const PERIODS_BETWEEN_MAX = 10_000;

function isIntervalUnit(value: unknown): value is IntervalUnit {
  return typeof value === "string" && Object.hasOwn(INTERVAL_COUNT_MAX, value);
}

/** Reads `{ unit, count }`, rejecting anything else with `invalid_interval`. */
export function parseInterval(value: unknown, param = "interval"): BillingInterval {
  const candidate = (typeof value === "object" && value !== null ? value : {}) as Record<string, unknown>;
  const { unit, count } = candidate;
  if (!isIntervalUnit(unit)) {
    throw new DomainError("invalid_interval", `unit must be one of day, week, month, year`, { param: `${param}.unit` });
  }
  if (typeof count !== "number" || !Number.isInteger(count) || count < 1 || count > INTERVAL_COUNT_MAX[unit]) {
    throw new DomainError(
      "invalid_interval",
      `count must be a whole number from 1 to ${INTERVAL_COUNT_MAX[unit]} for ${unit}s`,
      { param: `${param}.count` },
    );
  }
  return { unit, count };
}

/**
 * A schedule reduced to the arithmetic that places boundary N. `time`
 * undefined means local midnight. Local times that do not exist (spring
 * forward) or exist twice (fall back) resolve with Temporal's 'compatible'
 * disambiguation: a skipped time moves forward by the length of the gap
 * (America/Santiago skipped 2022-09-11 00:00, so that day's periods start at
 * 01:00), and a repeated time takes its first occurrence. That is what
 * calendars and RFC 5545 do, so the customer sees the time they expect.
 */
interface Cycle {
  timeZone: string;
  start: Temporal.Instant;
  firstDate: Temporal.PlainDate;
  time: Temporal.PlainTime | undefined;
  day: number;
  step: { months: number } | { days: number };
  /** 1 when period 0 is a stub, so full period k is period k + 1. */
  stubCount: 0 | 1;
  /** Boundaries already placed, by number: a boundary is a fact of the schedule and never changes. */
  boundaries: Map<number, Boundary>;
}

interface Boundary {
  local: Temporal.ZonedDateTime;
  instant: Temporal.Instant;
}

function stepOf(interval: BillingInterval): Cycle["step"] {
  switch (interval.unit) {
    case "day":
      return { days: interval.count };
    case "week":
      return { days: 7 * interval.count };
    case "month":
      return { months: interval.count };
    case "year":
      return { months: 12 * interval.count };
    default:
      return assertNever(interval.unit, "interval unit");
  }
}

function dateOnCycle(cycle: Cycle, fullIndex: number): Temporal.PlainDate {
  const { step } = cycle;
  if ("days" in step) return cycle.firstDate.add({ days: step.days * fullIndex });
  const { year, month, day } = monthsAfter(cycle.firstDate, step.months * fullIndex, cycle.day);
  return new Temporal.PlainDate(year, month, day);
}

function atLocalTime(date: Temporal.PlainDate, time: Temporal.PlainTime | undefined, timeZone: string) {
  return date.toPlainDateTime(time).toZonedDateTime(timeZone, { disambiguation: "compatible" });
}

/**
 * Recently used schedules' cycles, oldest first. Placing a boundary in a
 * time zone is most of the cost of a period, and a preview or a billing run
 * asks for the same few periods of a subscription many times; a bounded
 * cache keeps a long-running process's memory flat.
 */
const CYCLES_MAX = 4096;
const BOUNDARIES_PER_CYCLE_MAX = 1024;
const cycles = new Map<string, Cycle>();

function scheduleKey(schedule: BillingSchedule): string | undefined {
  const { interval, anchor, timeZone } = schedule;
  // Only well-typed schedules are cached, so bad input always reaches the parsers and their errors.
  if (typeof timeZone !== "string" || typeof interval?.unit !== "string" || typeof interval.count !== "number") {
    return undefined;
  }
  if (anchor?.kind !== "anniversary" && !(anchor?.kind === "day_of_month" && typeof anchor.day === "number")) {
    return undefined;
  }
  const day = anchor.kind === "day_of_month" ? anchor.day : 0;
  return `${timeZone} ${schedule.start.epochNanoseconds} ${interval.unit} ${interval.count} ${anchor.kind} ${day}`;
}

function cycleOf(schedule: BillingSchedule): Cycle {
  const key = scheduleKey(schedule);
  const found = key === undefined ? undefined : cycles.get(key);
  if (key !== undefined && found !== undefined) {
    // Moved to the newest end, so the schedules in use are the last to go.
    cycles.delete(key);
    cycles.set(key, found);
    return found;
  }
  const cycle = newCycle(schedule);
  if (key !== undefined) {
    if (cycles.size >= CYCLES_MAX) cycles.delete(cycles.keys().next().value as string);
    cycles.set(key, cycle);
  }
  return cycle;
}

function newCycle(schedule: BillingSchedule): Cycle {
  const timeZone = parseTimeZone(schedule.timeZone, "time_zone");
  const interval = parseInterval(schedule.interval);
  const step = stepOf(interval);
  const startLocal = schedule.start.toZonedDateTimeISO(timeZone);
  const { anchor } = schedule;
  switch (anchor.kind) {
    case "anniversary":
      return {
        timeZone,
        start: schedule.start,
        firstDate: startLocal.toPlainDate(),
        time: startLocal.toPlainTime(),
        day: startLocal.day,
        step,
        stubCount: 0,
        boundaries: new Map(),
      };
    case "day_of_month": {
      if (!Number.isInteger(anchor.day) || anchor.day < 1 || anchor.day > 31) {
        throw new DomainError("invalid_interval", "the billing day of the month must be a whole number from 1 to 31", {
          param: "billing_anchor.day",
        });
      }
      if ("days" in step) {
        throw new DomainError("invalid_interval", "a day-of-month anchor needs a monthly or yearly interval", {
          param: "billing_anchor",
        });
      }
      const onAnchorDay = (month: Temporal.PlainYearMonth) =>
        month.toPlainDate({ day: Math.min(anchor.day, month.daysInMonth) });
      const startMonth = startLocal.toPlainDate().toPlainYearMonth();
      const inStartMonth = atLocalTime(onAnchorDay(startMonth), undefined, timeZone).toInstant();
      // The first full period starts at the first anchor-day midnight at or after the start.
      const firstDate =
        Temporal.Instant.compare(inStartMonth, schedule.start) >= 0
          ? onAnchorDay(startMonth)
          : onAnchorDay(startMonth.add({ months: 1 }));
      const firstBoundary = atLocalTime(firstDate, undefined, timeZone).toInstant();
      return {
        timeZone,
        start: schedule.start,
        firstDate,
        time: undefined,
        day: anchor.day,
        step,
        stubCount: firstBoundary.equals(schedule.start) ? 0 : 1,
        boundaries: new Map(),
      };
    }
    default:
      return assertNever(anchor, "billing anchor");
  }
}

/** Boundary i is where period i starts; boundary 0 is the schedule's start exactly. */
function boundary(cycle: Cycle, index: number): Boundary {
  const found = cycle.boundaries.get(index);
  if (found !== undefined) return found;
  const local =
    index === 0
      ? cycle.start.toZonedDateTimeISO(cycle.timeZone)
      : atLocalTime(dateOnCycle(cycle, index - cycle.stubCount), cycle.time, cycle.timeZone);
  const placed = { local, instant: local.toInstant() };
  if (cycle.boundaries.size >= BOUNDARIES_PER_CYCLE_MAX) cycle.boundaries.clear();
  cycle.boundaries.set(index, placed);
  return placed;
}

function periodOf(cycle: Cycle, index: number): BillingPeriod {
  const start = boundary(cycle, index);
  const end = boundary(cycle, index + 1);
  assert(Temporal.Instant.compare(start.instant, end.instant) < 0, "billing periods have positive length");
  return {
    index,
    start: start.instant,
    end: end.instant,
    startLocal: start.local,
    endLocal: end.local,
    isStub: index === 0 && cycle.stubCount === 1,
  };
}

/** Period number `index` (0 = the first), computed from the anchor alone. */
export function billingPeriod(schedule: BillingSchedule, index: number): BillingPeriod {
  assert(Number.isInteger(index) && index >= 0, "period numbers are whole numbers from 0");
  return periodOf(cycleOf(schedule), index);
}

/** A first guess at the period holding `local`, exact or one off; the caller corrects it. */
function estimateIndex(cycle: Cycle, local: Temporal.ZonedDateTime): number {
  const { step, firstDate } = cycle;
  const fullIndex =
    "days" in step
      ? Math.floor(firstDate.until(local.toPlainDate(), { largestUnit: "days" }).days / step.days)
      : Math.floor(((local.year - firstDate.year) * 12 + (local.month - firstDate.month)) / step.months);
  return Math.max(0, fullIndex + cycle.stubCount);
}

function periodContainingOnCycle(cycle: Cycle, instant: Temporal.Instant): BillingPeriod {
  let index = estimateIndex(cycle, instant.toZonedDateTimeISO(cycle.timeZone));
  while (index > 0 && Temporal.Instant.compare(boundary(cycle, index).instant, instant) > 0) index -= 1;
  while (Temporal.Instant.compare(boundary(cycle, index + 1).instant, instant) <= 0) index += 1;
  return periodOf(cycle, index);
}

/** The period whose [start, end) holds the instant; an instant before billing starts is `invalid_date`. */
export function periodContaining(schedule: BillingSchedule, instant: Temporal.Instant): BillingPeriod {
  if (Temporal.Instant.compare(instant, schedule.start) < 0) {
    throw new DomainError(
      "invalid_date",
      `${instant.toString()} is before billing starts at ${schedule.start.toString()}`,
    );
  }
  return periodContainingOnCycle(cycleOf(schedule), instant);
}

/** The period after this one, by number, so a chain of next periods never drifts. */
export function nextPeriod(schedule: BillingSchedule, period: BillingPeriod): BillingPeriod {
  return billingPeriod(schedule, period.index + 1);
}

/**
 * Every period overlapping [from, to), oldest first: what catch-up billing
 * must invoice after a pause or a migration. Periods are returned whole: the
 * first and last may stick out of the range.
 */
export function periodsBetween(
  schedule: BillingSchedule,
  from: Temporal.Instant,
  to: Temporal.Instant,
): BillingPeriod[] {
  if (Temporal.Instant.compare(from, to) > 0) {
    throw new DomainError("invalid_date", "the range ends before it starts", { param: "to" });
  }
  const cycle = cycleOf(schedule);
  const first = Temporal.Instant.compare(from, schedule.start) < 0 ? schedule.start : from;
  if (Temporal.Instant.compare(first, to) >= 0) return [];
  let last = periodContainingOnCycle(cycle, first);
  const periods = [last];
  while (Temporal.Instant.compare(last.end, to) < 0) {
    if (periods.length >= PERIODS_BETWEEN_MAX) {
      throw new DomainError("invalid_date", `the range spans more than ${PERIODS_BETWEEN_MAX} billing periods`, {
        param: "to",
      });
    }
    last = periodOf(cycle, last.index + 1);
    periods.push(last);
  }
  return periods;
}

/**
 * How a share of a period is measured. `seconds` is Stripe's: exact to the
 * instant, so a 31-day month prorates differently from a 30-day one and a
 * 23-hour DST day is 23 hours of it. `days` counts calendar days on the
 * customer's wall clock, as most invoices read ("10 of 31 days"): a 23-hour
 * or 25-hour DST day is one day, and a change during a day counts that whole
 * day from the change on (the day a customer upgrades is billed at the new plan).
 */
export type ProrationMode = "seconds" | "days";

export interface PeriodShare {
  /** The part of the period inside [from, to), in seconds or days. */
  used: Decimal;
  /** The whole period, in the same unit. */
  whole: Decimal;
}

function localDays(from: Temporal.Instant, to: Temporal.Instant, timeZone: string): number {
  const fromDate = from.toZonedDateTimeISO(timeZone).toPlainDate();
  return fromDate.until(to.toZonedDateTimeISO(timeZone).toPlainDate(), { largestUnit: "days" }).days;
}

function secondsBetween(from: Temporal.Instant, to: Temporal.Instant): Decimal {
  return new Decimal((to.epochNanoseconds - from.epochNanoseconds).toString()).div(1_000_000_000);
}

/**
 * The share of a period covered by [from, to), clamped to the period, as a
 * numerator and denominator. Proration should multiply the price by `used`
 * before dividing by `whole`: a price times 1/3 rounded to 84 digits can land
 * a hair below a half cent that the exact product sits on, and then round the
 * wrong way.
 */
export function periodShare(
  period: BillingPeriod,
  from: Temporal.Instant,
  to: Temporal.Instant,
  mode: ProrationMode,
): PeriodShare {
  if (Temporal.Instant.compare(from, to) > 0) {
    throw new DomainError("invalid_date", "the prorated range ends before it starts", { param: "to" });
  }
  const clampedFrom = Temporal.Instant.compare(from, period.start) > 0 ? from : period.start;
  const clampedTo = Temporal.Instant.compare(to, period.end) < 0 ? to : period.end;
  const isEmpty = Temporal.Instant.compare(clampedFrom, clampedTo) >= 0;
  switch (mode) {
    case "seconds":
      return {
        used: isEmpty ? new Decimal(0) : secondsBetween(clampedFrom, clampedTo),
        whole: secondsBetween(period.start, period.end),
      };
    case "days": {
      const timeZone = period.startLocal.timeZoneId;
      return {
        used: new Decimal(isEmpty ? 0 : localDays(clampedFrom, clampedTo, timeZone)),
        whole: new Decimal(localDays(period.start, period.end, timeZone)),
      };
    }
    default:
      return assertNever(mode, "proration mode");
  }
}

/** used / whole from periodShare: 10 of 31 days is 0.3225806451…, to 84 significant digits. */
export function fractionOfPeriod(
  period: BillingPeriod,
  from: Temporal.Instant,
  to: Temporal.Instant,
  mode: ProrationMode,
): Decimal {
  const { used, whole } = periodShare(period, from, to, mode);
  assert(whole.isPositive() && !whole.isZero(), "a billing period spans at least one day and one second");
  return used.div(whole);
}
