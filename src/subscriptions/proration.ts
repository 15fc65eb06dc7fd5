import { Temporal } from "temporal-polyfill";
import { assert, DomainError } from "../kernel/errors.js";
import { Decimal, formatAmountForApi, roundToMinor } from "../kernel/money.js";
import { type BillingPeriod, type PeriodShare, periodShare } from "../kernel/periods.js";
import { parseTimeZone } from "../kernel/time.js";
import "./errors.js";

/**
 * Proration and seat true-ups: pure arithmetic over a billing period.
 *
 * Items arrive already priced for a whole period (`period_amount`, before
 * rounding) rather than as a catalog charge model: the module rule lets
 * subscriptions reach catalog only through its index.ts, and keeping the
 * arithmetic blind to how a price is built means every charge model prorates
 * the same way. The caller prices with catalog's chargeBeforeRounding.
 */

/**
 * `create_prorations`: the lines wait for the next invoice. `always_invoice`:
 * the same lines, invoiced now. `none`: the change takes effect unbilled.
 */
export type ProrationBehavior = "create_prorations" | "always_invoice" | "none";

const BEHAVIORS: readonly ProrationBehavior[] = ["create_prorations", "always_invoice", "none"];

export function parseProrationBehavior(value: unknown, param = "proration_behavior"): ProrationBehavior {
  if (BEHAVIORS.includes(value as ProrationBehavior)) return value as ProrationBehavior;
  throw new DomainError("invalid_proration_behavior", `${param} must be one of ${BEHAVIORS.join(", ")}`, { param });
}

/** What the customer holds, priced for one whole period. */
export interface PricedItem {
  /** The product as the invoice names it: "Seat", "Pro plan". */
  description: string;
  quantity: Decimal;
  /** The whole period's charge for `quantity`, NOT rounded: prorating a rounded figure rounds twice. */
  period_amount: Decimal;
  /** The price of one unit for a whole period, where the price has one (shown on the line). */
  unit_amount?: Decimal;
}

/** A per-unit item: the period's charge is quantity × unit price, exactly. */
export function perUnitItem(description: string, quantity: Decimal, unit_amount: Decimal): PricedItem {
  return { description, quantity, period_amount: quantity.times(unit_amount), unit_amount };
}

/** A line for an invoice; amounts are rounded once, here, and credits are negative. */
export interface SubscriptionLine {
  description: string;
  /** Half-open [period_start, period_end): the time the line pays for. */
  period_start: Temporal.Instant;
  period_end: Temporal.Instant;
  quantity: Decimal;
  unit_amount?: Decimal;
  amount: Decimal;
  proration: boolean;
  /** The arithmetic behind the amount, for the analyst asked "why this figure?". */
  explanation: string;
}

export interface ProrationResult {
  lines: SubscriptionLine[];
  /** True when the lines are to be invoiced now rather than join the next invoice. */
  invoice_now: boolean;
}

/** Where and how a change happens; shared by every kind of change. */
interface ChangeContext {
  period: BillingPeriod;
  change_at: Temporal.Instant;
  /** The customer's IANA zone: the period was computed in it and the lines show local times. */
  time_zone: string;
  currency: string;
  behavior: ProrationBehavior;
}

export interface ItemChange extends ChangeContext {
  from: PricedItem;
  to: PricedItem;
}

export interface Cancellation extends Omit<ChangeContext, "change_at"> {
  cancel_at: Temporal.Instant;
  item: PricedItem;
}

export interface IntervalChange extends ChangeContext {
  /** An item held until the change, on the old interval. */
  from: PricedItem;
}

function isInPeriod(period: BillingPeriod, instant: Temporal.Instant): boolean {
  return Temporal.Instant.compare(period.start, instant) <= 0 && Temporal.Instant.compare(instant, period.end) < 0;
}

function checkContext(context: ChangeContext): string {
  const { period, change_at } = context;
  const timeZone = parseTimeZone(context.time_zone, "time_zone");
  assert(timeZone === period.startLocal.timeZoneId, "the period is computed in the customer's time zone");
  if (!isInPeriod(period, change_at)) {
    throw new DomainError(
      "change_outside_period",
      `${change_at} is outside the period [${period.start}, ${period.end})`,
      {
        param: "change_at",
      },
    );
  }
  return timeZone;
}

/** A local wall-clock time; seconds only when there are any, as people write times. */
function localTime(instant: Temporal.Instant, timeZone: string): string {
  const local = instant.toZonedDateTimeISO(timeZone).toPlainDateTime();
  const smallestUnit = local.second === 0 && local.millisecond === 0 ? "minute" : "second";
  return local.toString({ smallestUnit }).replace("T", " ");
}

function money(amount: Decimal, currency: string): string {
  return `${formatAmountForApi(amount, currency)} ${currency}`;
}

/**
 * The item's charge for [change_at, period end), to the second. Multiply
 * before dividing (see periodShare): 30.015 × 1/3 rounded to 84 digits is
 * 10.00499…, which would round down, while 30.015 × 10 days / 30 days is
 * exactly 10.005 and rounds up.
 */
function remainingTimeLine(context: ChangeContext, item: PricedItem, side: "credit" | "charge"): SubscriptionLine {
  const { period, change_at, currency, time_zone } = context;
  const share: PeriodShare = periodShare(period, change_at, period.end, "seconds");
  const exact = item.period_amount.times(share.used).div(share.whole);
  // roundToMinor rounds half away from zero, so a credit mirrors the charge it undoes.
  const amount = roundToMinor(side === "credit" ? exact.neg() : exact, currency);
  const label = side === "credit" ? "Unused time on" : "Remaining time on";
  const span = `from ${localTime(change_at, time_zone)} to ${localTime(period.end, time_zone)} (${time_zone})`;
  return {
    description: `${label} ${item.quantity} × ${item.description} ${span}`,
    period_start: change_at,
    period_end: period.end,
    quantity: item.quantity,
    ...(item.unit_amount ? { unit_amount: item.unit_amount } : {}),
    amount,
    proration: true,
    explanation: `${side === "credit" ? "-" : ""}${item.period_amount} × ${share.used} s / ${share.whole} s = ${money(amount, currency)}`,
  };
}

const NO_LINES: ProrationResult = { lines: [], invoice_now: false };

/**
 * A quantity or price change inside a period: a credit for the unused time at
 * the old price and a charge for the remaining time at the new one. The two
 * are rounded separately, as two lines, so their sum may differ by a minor
 * unit from prorating the difference; each line is right on its own, which is
 * what a customer checking one line needs.
 */
export function prorateItemChange(change: ItemChange): ProrationResult {
  checkContext(change);
  if (change.behavior === "none") return NO_LINES;
  return {
    lines: [remainingTimeLine(change, change.from, "credit"), remainingTimeLine(change, change.to, "charge")],
    invoice_now: change.behavior === "always_invoice",
  };
}

/** Cancelling inside a period; `none` cancels without a credit. */
export function prorateCancellation(cancellation: Cancellation): ProrationResult {
  const context = { ...cancellation, change_at: cancellation.cancel_at };
  checkContext(context);
  if (cancellation.behavior === "none") return NO_LINES;
  return {
    lines: [remainingTimeLine(context, cancellation.item, "credit")],
    invoice_now: cancellation.behavior === "always_invoice",
  };
}

/**
 * Moving to another interval (monthly → annual) restarts the billing cycle at
 * the change, as Stripe does: the current period ends there, and the unused
 * time of each old item is credited (unless `none`), to the second. The new
 * interval's first period starts at the change and is billed in advance like
 * any period, by the billing run, so it is no line here.
 */
export function prorateIntervalChange(change: IntervalChange): ProrationResult {
  checkContext(change);
  if (change.behavior === "none") return NO_LINES;
  return {
    lines: [remainingTimeLine(change, change.from, "credit")],
    invoice_now: change.behavior === "always_invoice",
  };
}

// ---------------------------------------------------------------- seat true-up

/** From `at` on, the subscription holds `seats` seats. */
export interface SeatChange {
  at: Temporal.Instant;
  seats: number;
}

export interface SeatTrueUpInput {
  period: BillingPeriod;
  /** The seats held when the period began, billed in advance. */
  seats_at_start: number;
  changes: readonly SeatChange[];
  /** The product as the invoice names it: "Seat". */
  description: string;
  currency: string;
  /** The whole period's charge for a seat count, before rounding (catalog's chargeBeforeRounding). */
  price_for_period: (seats: Decimal) => Decimal;
  unit_amount?: Decimal;
}

export interface SeatTrueUp {
  seats_billed: number;
  seats_highest: number;
  /** What the next period bills in advance: seats removed this period are credited by billing fewer there. */
  seats_at_end: number;
  /** Absent when no seat count rose above the one billed. */
  line?: SubscriptionLine;
}

function checkSeats(seats: number, param: string): void {
  if (!Number.isSafeInteger(seats) || seats < 0) {
    throw new DomainError("invalid_seat_count", `${param} must be a whole number of seats, 0 or more`, { param });
  }
}

function sortedSeatChanges(period: BillingPeriod, changes: readonly SeatChange[]): SeatChange[] {
  changes.forEach((change, index) => {
    checkSeats(change.seats, `changes[${index}].seats`);
    if (!isInPeriod(period, change.at)) {
      throw new DomainError("change_outside_period", `seat change ${index} is outside the period`, {
        param: `changes[${index}].at`,
      });
    }
  });
  return [...changes].sort((a, b) => Temporal.Instant.compare(a.at, b.at));
}

/**
 * Seat true-up mode: a period bills the highest seat count held during it.
 * The seats held at the start were billed in advance; the rise to the highest
 * count is billed at the period's end, for the whole period, not prorated.
 * The line is the difference of the two rounded period charges, so the
 * advance line and the true-up add up to exactly the highest count's charge
 * (tiered seat prices make this differ from pricing the extra seats alone).
 */
export function seatTrueUp(input: SeatTrueUpInput): SeatTrueUp {
  const { period, seats_at_start, currency } = input;
  checkSeats(seats_at_start, "seats_at_start");
  const changes = sortedSeatChanges(period, input.changes);
  const seats_highest = Math.max(seats_at_start, ...changes.map((change) => change.seats));
  const seats_at_end = changes.at(-1)?.seats ?? seats_at_start;
  const result = { seats_billed: seats_at_start, seats_highest, seats_at_end };
  if (seats_highest <= seats_at_start) return result;

  const highest = roundToMinor(input.price_for_period(new Decimal(seats_highest)), currency);
  const billed = roundToMinor(input.price_for_period(new Decimal(seats_at_start)), currency);
  const amount = highest.minus(billed);
  // A volume cliff can make more seats cheaper; true-up mode charges rises and never credits mid-period.
  if (!amount.isPositive() || amount.isZero()) return result;
  const extra = seats_highest - seats_at_start;
  const line: SubscriptionLine = {
    description: `Seat true-up: ${extra} × ${input.description}, ${seats_highest} held at most, ${seats_at_start} billed in advance`,
    period_start: period.start,
    period_end: period.end,
    quantity: new Decimal(extra),
    ...(input.unit_amount ? { unit_amount: input.unit_amount } : {}),
    amount,
    proration: false,
    explanation: `${money(highest, currency)} for ${seats_highest} seats − ${money(billed, currency)} billed for ${seats_at_start} = ${money(amount, currency)}`,
  };
  return { ...result, line };
}
