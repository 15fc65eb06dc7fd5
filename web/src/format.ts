import { Decimal } from "decimal.js";

/**
 * Display formatting. Amounts arrive as decimal strings and stay exact:
 * Intl formats the string itself (no float on the way), keeping every digit
 * the API sent beyond the currency's minor unit.
 */

const formatters = new Map<string, Intl.NumberFormat>();

function currencyFormatter(currency: string, fractionDigits: number): Intl.NumberFormat {
  const key = `${currency}:${fractionDigits}`;
  let formatter = formatters.get(key);
  if (formatter === undefined) {
    const minor = new Intl.NumberFormat("en-US", { style: "currency", currency }).resolvedOptions()
      .minimumFractionDigits;
    formatter = new Intl.NumberFormat("en-US", {
      style: "currency",
      currency,
      currencyDisplay: "narrowSymbol",
      minimumFractionDigits: Math.max(minor ?? 2, fractionDigits),
      maximumFractionDigits: Math.max(minor ?? 2, fractionDigits),
    });
    formatters.set(key, formatter);
  }
  return formatter;
}

function isNumeric(value: string): value is `${number}` {
  return /^-?\d+(\.\d+)?$/.test(value);
}

/** "1234.5" USD → "$1,234.50"; a value the API sent oddly is shown as it came. */
export function formatAmount(amount: string, currency: string): string {
  if (!isNumeric(amount)) return amount;
  const fraction = amount.split(".")[1]?.length ?? 0;
  try {
    return currencyFormatter(currency, fraction).format(amount);
  } catch {
    return `${amount} ${currency}`;
  }
}

/** True for "0", "0.00", "-0.000". */
export function isZero(amount: string): boolean {
  return /^-?0*(\.0*)?$/.test(amount);
}

export function sumAmounts(amounts: readonly string[]): string {
  return amounts.reduce((total, amount) => total.plus(amount), new Decimal(0)).toFixed();
}

/** How far apart two amounts are, always positive. */
export function amountDifference(left: string, right: string): string {
  return new Decimal(left).minus(right).abs().toFixed();
}

export function amountsEqual(left: string, right: string): boolean {
  return new Decimal(left).equals(right);
}

/** Charts draw with floats; only here, and never for a figure a person reads as money. */
export function amountForChart(amount: string): number {
  return new Decimal(amount).toNumber();
}

/** An axis label, "$14K": a chart's scale, never a figure to book. */
export function formatCompact(value: number, currency: string): string {
  try {
    return new Intl.NumberFormat("en-US", {
      style: "currency",
      currency,
      currencyDisplay: "narrowSymbol",
      notation: "compact",
      maximumFractionDigits: 1,
    }).format(value);
  } catch {
    return String(value);
  }
}

const dateTime = new Intl.DateTimeFormat("en-GB", {
  year: "numeric",
  month: "short",
  day: "2-digit",
  hour: "2-digit",
  minute: "2-digit",
  second: "2-digit",
  hour12: false,
});

/** An instant in the viewer's own time zone, e.g. "22 Nov 2026, 14:03:09". */
export function formatInstant(value: string | null | undefined): string {
  if (value === null || value === undefined) return "—";
  const parsed = new Date(value);
  return Number.isNaN(parsed.getTime()) ? value : dateTime.format(parsed);
}

/** Today's date in the viewer's time zone, YYYY-MM-DD: the default "as of" and nothing else. */
export function todayInBrowser(): string {
  const now = new Date(Date.now());
  const month = String(now.getMonth() + 1).padStart(2, "0");
  const day = String(now.getDate()).padStart(2, "0");
  return `${now.getFullYear()}-${month}-${day}`;
}

/** snake_case codes read as words: "billing_analyst" → "Billing analyst". */
export function humanize(code: string): string {
  const words = code
    .replaceAll(/[_.]/g, " ")
    .trim()
    .replaceAll(/\bapi\b/gi, "API");
  return words.charAt(0).toUpperCase() + words.slice(1);
}
