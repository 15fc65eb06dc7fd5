import { Decimal } from "decimal.js";
import { Temporal } from "temporal-polyfill";
import { formatAmount, humanize } from "./format.js";

/**
 * Shapes of usage events, meters, usage and rate cards as the API sends them,
 * and the small pure helpers their screens share. Quantities and rates are
 * decimal strings; instants ISO 8601 text.
 */

export interface UsageEvent {
  object: "event";
  id: string;
  customer: string;
  transaction_id: string;
  type: string;
  timestamp: string;
  properties: Record<string, unknown>;
  received_at: string;
  source: string;
  rating_status: RatingStatus;
  rating: EventRating;
}

export const RATING_STATUSES = ["rated", "unrated", "no_charge", "pending", "not_scripted"] as const;
export type RatingStatus = (typeof RATING_STATUSES)[number];

/** The event's charges in the latest rating, or why the script could not rate it. */
export interface EventRating {
  charges: number;
  amount: string | null;
  currency: string | null;
  error: { code: string; message: string; script_line: number | null; script_version: string } | null;
}

export function isRatingStatus(value: string | undefined): value is RatingStatus {
  return RATING_STATUSES.some((status) => status === value);
}

export interface EventPage {
  object: "list";
  data: UsageEvent[];
  has_more: boolean;
  next_cursor: string | null;
}

export interface EventRejection {
  object: "event_rejection";
  id: string;
  source: "api" | "batch" | "stream" | "import";
  import_id: string | null;
  /** Line of a stream or file (from 1), or position in a batch (from 0). */
  line: number | null;
  raw: string;
  code: string;
  message: string;
  field: string | null;
  received_at: string;
  retry_count: number;
  status: "open" | "resolved";
  resolved_at: string | null;
  event: string | null;
}

export interface RetryResult {
  rejection: EventRejection;
  result: { status: "accepted" | "duplicate" | "rejected"; id?: string; code?: string; message?: string };
}

export const METER_AGGREGATIONS = ["count", "sum", "max", "unique_count", "latest", "time_weighted_sum"] as const;
export type MeterAggregation = (typeof METER_AGGREGATIONS)[number];

export type MeterFilter =
  | { property: string; operator: "equals"; value: string }
  | { property: string; operator: "in"; values: string[] };

export interface Meter {
  object: "meter";
  id: string;
  code: string;
  name: string;
  description: string | null;
  event_type: string;
  filters: MeterFilter[];
  aggregation: MeterAggregation;
  value_property: string | null;
  group_by: string[];
  version: number;
  status: "active" | "archived";
  metadata: Record<string, string>;
  created_at: string;
  updated_at: string;
}

export interface UsagePeriod {
  start: string;
  end: string;
  source: "range" | "subscription_period" | "calendar_month";
  subscription: string | null;
}

export interface MeterUsage {
  meter: string;
  code: string;
  name: string;
  aggregation: MeterAggregation;
  quantity: string;
  groups: { group: Record<string, string | null>; quantity: string }[];
}

export interface CustomerUsage {
  object: "usage";
  customer: string;
  period: UsagePeriod;
  data: MeterUsage[];
}

export interface Rate {
  value: string;
  unit: string | null;
  description: string | null;
}

export type RateSet = Record<string, Rate>;
export type RateCardVersionStatus = "draft" | "pending_approval" | "approved" | "rejected";

export interface CoveredPeriod {
  customer: string;
  period_start: string;
  period_end: string;
  invoice: string;
}

/** The rated periods a backdated version covers, as the API last assessed them. */
export interface AffectedPeriods {
  effective_from: string;
  assessed_at: string;
  finalized: (CoveredPeriod & { invoice_number: string | null; invoice_status: string })[];
  draft: CoveredPeriod[];
}

export interface RateCardVersion {
  object: "rate_card_version";
  id: string;
  rate_card: string;
  number: number;
  status: RateCardVersionStatus;
  effective_from: string | null;
  rates: RateSet;
  note: string | null;
  created_by: string;
  edited_by: string[];
  approval: string | null;
  approved_by: string | null;
  approved_at: string | null;
  affected_periods: AffectedPeriods | null;
  created_at: string;
  updated_at: string;
}

export interface RateCard {
  object: "rate_card";
  id: string;
  kind: "default" | "customer";
  currency: string;
  customer: string | null;
  name: string;
  version_in_force: RateCardVersion | null;
  open_version: RateCardVersion | null;
  created_at: string;
}

interface VersionSummary {
  id: string;
  number: number;
  status: string;
  effective_from: string | null;
}

export interface RateCardDiff {
  object: "rate_card_diff";
  rate_card: string;
  from: VersionSummary;
  to: VersionSummary;
  added: { code: string; rate: Rate }[];
  removed: { code: string; rate: Rate }[];
  changed: { code: string; from: Rate; to: Rate; fields: ("value" | "unit" | "description")[] }[];
  unchanged: number;
}

export interface ResolvedRates {
  object: "resolved_rates";
  customer: string;
  currency: string;
  at: string;
  rates: Record<string, string>;
  source: Record<string, "default" | "customer">;
  details: RateSet;
  versions: {
    rate_card: string;
    kind: "default" | "customer";
    version: string;
    number: number;
    effective_from: string;
  }[];
  version_ids: string[];
}

export const rateCardPath = (id: string) => `/v1/rate_cards/${encodeURIComponent(id)}`;
export const meterPath = (id: string) => `/v1/meters/${encodeURIComponent(id)}`;

// ---------------------------------------------------------------------------
// Rating a period again (POST /v1/usage/rate).

export interface UsageRatingRun {
  object: "usage_rating_run";
  id: string;
  customer: string;
  period_start: string;
  period_end: string;
  reason: string;
  status: string;
  events_rated: number;
  events_unrated: number;
  charges: number;
  amount: string;
  currency: string;
  draft_invoice: string | null;
}

export interface UsageRatingSkipped {
  object: "usage_rating_skipped";
  customer: string;
  code: string;
  message: string;
}

/** The distinct periods of an invoice's script-rated usage lines, in order: what "rate again" rates. */
export function usagePeriodsOf(
  lines: readonly { source: { id: string | null }; period: { start: string; end: string } | null }[],
): PeriodRange[] {
  const periods = new Map<string, PeriodRange>();
  for (const line of lines) {
    if (!isUsageLine(line) || line.period === null) continue;
    periods.set(`${line.period.start}/${line.period.end}`, { start: line.period.start, end: line.period.end });
  }
  return [...periods.values()].sort((a, b) => (a.start < b.start ? -1 : a.start > b.start ? 1 : 0));
}

/** "1,204 events rated, 2 unrated: $8,433.49 of usage" for one re-rating; a skip says why. */
export function ratingSummary(result: UsageRatingRun | UsageRatingSkipped): string {
  if (result.object === "usage_rating_skipped") return result.message;
  const unrated = result.events_unrated === 0 ? "" : `, ${result.events_unrated.toLocaleString("en-US")} unrated`;
  return `${result.events_rated.toLocaleString("en-US")} events rated${unrated}: ${formatAmount(result.amount, result.currency)} of usage`;
}

// ---------------------------------------------------------------------------
// Periods for the usage charts.

export interface PeriodRange {
  start: string;
  end: string;
}

/**
 * The `count` periods before `current`, oldest first, each as long as the
 * current one in the customer's calendar: a month back from 1 March is
 * 1 February, not 28 days, so the bars compare month with month.
 */
export function pastPeriods(current: PeriodRange, timeZone: string, count: number): PeriodRange[] {
  const start = Temporal.Instant.from(current.start).toZonedDateTimeISO(timeZone);
  const end = Temporal.Instant.from(current.end).toZonedDateTimeISO(timeZone);
  const length = start.until(end, { largestUnit: "years" });
  const periods: PeriodRange[] = [];
  for (let back = count; back >= 1; back -= 1) {
    const from = start.subtract(times(length, back));
    const to = start.subtract(times(length, back - 1));
    periods.push({ start: from.toInstant().toString(), end: to.toInstant().toString() });
  }
  return periods;
}

/** Temporal durations have no multiply; each field times n is the same period n times over. */
function times(length: Temporal.Duration, n: number): Temporal.Duration {
  return Temporal.Duration.from({
    years: length.years * n,
    months: length.months * n,
    weeks: length.weeks * n,
    days: length.days * n,
    hours: length.hours * n,
    minutes: length.minutes * n,
    seconds: length.seconds * n,
    milliseconds: length.milliseconds * n,
  });
}

const dayFormat = new Map<string, Intl.DateTimeFormat>();

/** "1 Nov – 30 Nov 2026" in the customer's time zone; the end is exclusive, so the last day shown is the day before. */
export function periodLabel(period: PeriodRange, timeZone: string): string {
  let format = dayFormat.get(timeZone);
  if (format === undefined) {
    format = new Intl.DateTimeFormat("en-GB", { day: "numeric", month: "short", year: "numeric", timeZone });
    dayFormat.set(timeZone, format);
  }
  const lastDay = new Date(Date.parse(period.end) - 1);
  return format.formatRange(new Date(period.start), lastDay);
}

/** A group as one line: "warehouse DAL · service_level ground"; "(none)" for a missing value. */
export function groupLabel(group: Record<string, string | null>): string {
  return Object.entries(group)
    .map(([key, value]) => `${key} ${value ?? "(none)"}`)
    .join(" · ");
}

/** Charts draw with floats; the table beside the chart shows the exact decimal. */
export function quantityForChart(quantity: string): number {
  return new Decimal(quantity).toNumber();
}

/** A quantity as a person reads it: grouped thousands, every decimal the API sent. */
export function formatQuantity(quantity: string): string {
  if (!/^-?\d+(\.\d+)?$/.test(quantity)) return quantity;
  const [whole = "0", fraction] = quantity.split(".");
  const grouped = whole.replace(/\B(?=(\d{3})+(?!\d))/g, ",");
  return fraction === undefined ? grouped : `${grouped}.${fraction}`;
}

/** A charge behind an invoice line, with the event that caused it (null: a period charge such as a minimum). */
export interface ExplainedCharge {
  id: string;
  code: string;
  description: string | null;
  quantity: string;
  unit_price: string;
  amount: string;
  dimensions: Record<string, string>;
  event: {
    id: string;
    transaction_id: string;
    type: string;
    timestamp: string;
    properties: Record<string, unknown>;
  } | null;
  script_version: string;
  rate_card_versions: string[];
}

/** GET /v1/invoice_lines/{id}/explain: why a line says what it says. */
export interface LineExplanation {
  object: "invoice_line_explanation";
  kind: "rated_usage" | "metered" | "other";
  line: {
    id: string;
    description: string;
    quantity: string;
    unit_amount: string;
    amount: string;
    currency: string;
    period_start: string | null;
    period_end: string | null;
    source_id: string | null;
  };
  charges?: { data: ExplainedCharge[]; has_more: boolean };
  charge_groups?: {
    code: string;
    dimensions: Record<string, string>;
    unit_price: string;
    charges: number;
    quantity: string;
    amount: string;
  }[];
  script_versions?: {
    id: string;
    script: string;
    script_name: string;
    number: number;
    effective_from: string | null;
  }[];
  rate_cards?: {
    id: string;
    number: number;
    effective_from: string | null;
    rate_card: string;
    rate_card_name: string;
    kind: "default" | "customer";
  }[];
  /** sum_of_charges is exact; the line rounds it once (sum_of_charges_rounded) and matches compares that. */
  arithmetic?: {
    charges: number;
    sum_of_charges: string;
    sum_of_charges_rounded: string;
    line_amount: string;
    matches: boolean;
  };
  note?: string;
}

/** A usage line carries source id `usage:<code and dimensions>`: its charges explain it. */
export function isUsageLine(line: { source: { id: string | null } }): boolean {
  return line.source.id?.startsWith("usage:") ?? false;
}

/**
 * Where a line came from, for people: "Usage · packaging · packaging=large_box"
 * for a usage line (its source id is the charge code and dimensions it sums,
 * "usage:packaging|packaging=large_box"), otherwise the source's kind and id.
 */
export function lineSourceText(line: { source: { type: string; id: string | null } }): string {
  const id = line.source.id;
  if (id === null) return humanize(line.source.type);
  if (!isUsageLine(line)) return `${humanize(line.source.type)} · ${id}`;
  const [code, dimensions = ""] = id.slice("usage:".length).split("|");
  return dimensions === "" ? `Usage · ${code}` : `Usage · ${code} · ${dimensions.split(",").join(", ")}`;
}
