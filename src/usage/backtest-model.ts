import { currencyMinorUnits, Decimal, roundToMinor } from "../kernel/money.js";
import type { ScriptCharge } from "./lua-types.js";

/**
 * A backtest as plain data: two ratings of the same events ("before": the
 * versions in force at each event's timestamp; "after": the version under
 * test) summed per customer, charge code and dimensions, and the events one
 * side could not rate. A row is an invoice line: its exact charges summed and
 * rounded once, as the invoice would bill it, and the difference is between
 * those rounded amounts. No I/O here.
 */

export type BacktestSide = "before" | "after";

export interface BacktestCustomer {
  id: string;
  external_id: string | null;
  currency: string;
  time_zone: string;
}

export interface SideFigures {
  quantity: string;
  amount: string;
}

export interface BacktestRow {
  /** From 1, in the order customer, code, dimensions: the cursor for paging. */
  position: number;
  customer: string;
  customer_external_id: string | null;
  currency: string;
  code: string;
  dimensions: Record<string, string>;
  before: SideFigures;
  after: SideFigures;
  difference: SideFigures;
}

export interface SideError {
  code: string;
  message: string;
  line: number | null;
  /** The script version number that failed; null when no version was in force. */
  version: number | null;
}

export interface BacktestError {
  customer: string;
  /** null for a period-level (finalize) error. */
  transaction_id: string | null;
  timestamp: string | null;
  before: SideError | null;
  after: SideError | null;
}

export interface CurrencyTotals {
  currency: string;
  amount_before: string;
  amount_after: string;
  amount_difference: string;
}

export interface BacktestSummary {
  customers: number;
  events: number;
  /** Events (and finalize runs) that each side could not rate. */
  unrated_before: number;
  unrated_after: number;
  rows: number;
  /** Rows whose quantity or amount differs between the two sides. */
  rows_changed: number;
  /** How many error rows are kept (at most ERRORS_KEPT); unrated_* count them all. */
  errors_kept: number;
  totals: CurrencyTotals[];
}

/** Errors kept per backtest: a draft that fails on every event needs a few examples, not millions. */
export const ERRORS_KEPT = 1000;

interface Cell {
  customer: BacktestCustomer;
  code: string;
  dimensions: Record<string, string>;
  quantity: Record<BacktestSide, Decimal>;
  amount: Record<BacktestSide, Decimal>;
}

type Charge = Pick<ScriptCharge, "code" | "dimensions" | "quantity" | "amount">;

/** Dimensions with their keys sorted, so {a,b} and {b,a} are one row. */
export function dimensionsKey(dimensions: Readonly<Record<string, string>>): string {
  return JSON.stringify(
    Object.keys(dimensions)
      .sort()
      .map((key) => [key, dimensions[key]]),
  );
}

/** Built by hand: this runs for every charge of both ratings, and JSON.stringify was a third of the tally's time. */
function cellKey(customerId: string, charge: Charge): string {
  let key = `${customerId}\u0000${charge.code}`;
  const names = Object.keys(charge.dimensions);
  if (names.length > 1) names.sort();
  for (const name of names) key += `\u0000${name}\u0001${charge.dimensions[name]}`;
  return key;
}

/** Quantity text without exponent notation, trailing zeros dropped ("1.50" → "1.5"). */
const quantityText = (value: Decimal) => value.toFixed();
const amountText = (value: Decimal, currency: string) => value.toFixed(currencyMinorUnits(currency));

/** Sums of both ratings per customer, code and dimensions: the exact charge amounts added up, rounded by rows(). */
export class BacktestTally {
  private readonly cells = new Map<string, Cell>();

  add(side: BacktestSide, customer: BacktestCustomer, charge: Charge): void {
    const key = cellKey(customer.id, charge);
    let cell = this.cells.get(key);
    if (cell === undefined) {
      const zero = new Decimal(0);
      cell = {
        customer,
        code: charge.code,
        dimensions: charge.dimensions,
        quantity: { before: zero, after: zero },
        amount: { before: zero, after: zero },
      };
      this.cells.set(key, cell);
    }
    cell.quantity[side] = cell.quantity[side].plus(charge.quantity);
    cell.amount[side] = cell.amount[side].plus(charge.amount);
  }

  /**
   * One side's period so far for a customer, one charge per code and
   * dimensions with the exact sum: what finalize reads as period.totals
   * (each line rounded) and measures a minimum against.
   */
  periodCharges(side: BacktestSide, customerId: string): ScriptCharge[] {
    const charges: ScriptCharge[] = [];
    for (const cell of this.cells.values()) {
      if (cell.customer.id !== customerId) continue;
      charges.push({
        code: cell.code,
        description: null,
        dimensions: cell.dimensions,
        quantity: quantityText(cell.quantity[side]),
        unit_price: "0",
        amount: cell.amount[side].toFixed(),
      });
    }
    return charges;
  }

  /** Every row, ordered by customer, code and dimensions, numbered from 1. */
  rows(): BacktestRow[] {
    const cells = [...this.cells.values()].sort(
      (a, b) =>
        compare(a.customer.id, b.customer.id) ||
        compare(a.code, b.code) ||
        compare(dimensionsKey(a.dimensions), dimensionsKey(b.dimensions)),
    );
    return cells.map((cell, index) => {
      const currency = cell.customer.currency;
      const before = roundToMinor(cell.amount.before, currency);
      const after = roundToMinor(cell.amount.after, currency);
      return {
        position: index + 1,
        customer: cell.customer.id,
        customer_external_id: cell.customer.external_id,
        currency,
        code: cell.code,
        dimensions: cell.dimensions,
        before: { quantity: quantityText(cell.quantity.before), amount: amountText(before, currency) },
        after: { quantity: quantityText(cell.quantity.after), amount: amountText(after, currency) },
        difference: {
          quantity: quantityText(cell.quantity.after.minus(cell.quantity.before)),
          amount: amountText(after.minus(before), currency),
        },
      };
    });
  }
}

const compare = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/** The events either side failed on, merged per event; all counted, the first ERRORS_KEPT kept. */
export class BacktestErrors {
  private readonly kept = new Map<string, BacktestError>();
  readonly unrated: Record<BacktestSide, number> = { before: 0, after: 0 };

  add(
    side: BacktestSide,
    event: { customer: string; transaction_id: string | null; timestamp: string | null },
    error: SideError,
  ): void {
    this.unrated[side]++;
    const key = `${event.customer}\u0000${event.transaction_id ?? ""}`;
    const found = this.kept.get(key);
    if (found !== undefined) {
      found[side] = error;
      return;
    }
    if (this.kept.size >= ERRORS_KEPT) return;
    this.kept.set(key, { ...event, before: null, after: null, [side]: error });
  }

  list(): BacktestError[] {
    return [...this.kept.values()];
  }
}

export function summarizeBacktest(
  rows: readonly BacktestRow[],
  errors: BacktestErrors,
  counts: { customers: number; events: number },
): BacktestSummary {
  const totals = new Map<string, { before: Decimal; after: Decimal }>();
  let changed = 0;
  for (const row of rows) {
    const sum = totals.get(row.currency) ?? { before: new Decimal(0), after: new Decimal(0) };
    totals.set(row.currency, { before: sum.before.plus(row.before.amount), after: sum.after.plus(row.after.amount) });
    if (!new Decimal(row.difference.quantity).isZero() || !new Decimal(row.difference.amount).isZero()) changed++;
  }
  return {
    customers: counts.customers,
    events: counts.events,
    unrated_before: errors.unrated.before,
    unrated_after: errors.unrated.after,
    rows: rows.length,
    rows_changed: changed,
    errors_kept: errors.list().length,
    totals: [...totals]
      .sort(([a], [b]) => compare(a, b))
      .map(([currency, sum]) => ({
        currency,
        amount_before: amountText(sum.before, currency),
        amount_after: amountText(sum.after, currency),
        amount_difference: amountText(sum.after.minus(sum.before), currency),
      })),
  };
}

export interface LiveVersion {
  id: string;
  number: number;
  source: string;
  effective_from_ms: number;
}

/**
 * The live version rating an event at `ms`: the latest effective_from at or
 * before it, the rule scriptVersionAt applies, over versions read once.
 */
export function versionInForce(versions: readonly LiveVersion[], ms: number): LiveVersion | null {
  let found: LiveVersion | null = null;
  for (const version of versions) {
    if (version.effective_from_ms <= ms && (found === null || version.effective_from_ms > found.effective_from_ms)) {
      found = version;
    }
  }
  return found;
}

export interface Segment {
  from: number;
  /** Exclusive. */
  to: number;
}

/**
 * Splits events sorted by time into runs that share a key (the script
 * version and rate-card versions in force). Both are step functions of time,
 * so equal keys at a run's two ends mean one key throughout: a page needs
 * two lookups unless a version changes inside it.
 */
export async function segmentsByKey(count: number, keyAt: (index: number) => Promise<string>): Promise<Segment[]> {
  const segments: (Segment & { key: string })[] = [];
  // Halves that turn out to share a key join the run before them.
  const push = (from: number, to: number, key: string) => {
    const last = segments.at(-1);
    if (last !== undefined && last.key === key) last.to = to;
    else segments.push({ from, to, key });
  };
  const split = async (from: number, to: number, first: string, last: string): Promise<void> => {
    if (first === last) return push(from, to, first);
    if (to - from === 2) {
      push(from, from + 1, first);
      return push(from + 1, to, last);
    }
    const middle = Math.floor((from + to) / 2);
    const before = await keyAt(middle - 1);
    const at = await keyAt(middle);
    await split(from, middle, first, before);
    await split(middle, to, at, last);
  };
  if (count > 0) await split(0, count, await keyAt(0), await keyAt(count - 1));
  return segments.map(({ from, to }) => ({ from, to }));
}

const CSV_HEADER = [
  "customer",
  "customer_external_id",
  "currency",
  "code",
  "dimensions",
  "quantity_before",
  "amount_before",
  "quantity_after",
  "amount_after",
  "quantity_difference",
  "amount_difference",
];

/** RFC 4180: a field with a comma, quote or line break is quoted, quotes doubled. */
function csvField(value: string): string {
  return /[",\r\n]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value;
}

export function csvHeader(): string {
  return `${CSV_HEADER.join(",")}\r\n`;
}

/** Dimensions as `warehouse=east;service=2day`, readable in a spreadsheet cell. */
export function csvLine(row: BacktestRow): string {
  const dimensions = Object.keys(row.dimensions)
    .sort()
    .map((key) => `${key}=${row.dimensions[key]}`)
    .join(";");
  return `${[
    row.customer,
    row.customer_external_id ?? "",
    row.currency,
    row.code,
    dimensions,
    row.before.quantity,
    row.before.amount,
    row.after.quantity,
    row.after.amount,
    row.difference.quantity,
    row.difference.amount,
  ]
    .map(csvField)
    .join(",")}\r\n`;
}
