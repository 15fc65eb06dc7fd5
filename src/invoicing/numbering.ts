import { DomainError } from "../kernel/errors.js";

/**
 * Gapless document numbers per series: "INV-2026-000123". A legal entity can
 * run several series (one per entity, a separate one for credit notes); the
 * service holds the series row lock and assigns the next number inside the
 * finalization transaction, so a rolled-back finalization takes no number.
 * This file only decides what the next number is and how it is written.
 */

export interface NumberSeries {
  /** "INV", "CN", "ACME-UK": letters, digits and "-". */
  prefix: string;
  /** Tokens: {prefix}, {yyyy} (the document year), {seq} (the zero-padded sequence). */
  format: string;
  /** The least digits {seq} is padded to; more are written when the sequence outgrows them, never cut. */
  digits: number;
  /** `yearly` starts again at 1 each year, which only works when the format shows the year. */
  reset: "yearly" | "never";
}

export interface SeriesPosition {
  year: number;
  sequence: number;
}

export const DEFAULT_INVOICE_SERIES: NumberSeries = {
  prefix: "INV",
  format: "{prefix}-{yyyy}-{seq}",
  digits: 6,
  reset: "yearly",
};
export const DEFAULT_CREDIT_NOTE_SERIES: NumberSeries = {
  prefix: "CN",
  format: "{prefix}-{yyyy}-{seq}",
  digits: 6,
  reset: "yearly",
};

const PREFIX = /^[A-Za-z0-9][A-Za-z0-9-]{0,19}$/;
const DIGITS_MAX = 12;

function seriesError(message: string, param: string): DomainError {
  return new DomainError("invalid_number_series", message, { param });
}

/** Refuses a series that could produce two equal numbers or an unreadable one. */
export function checkNumberSeries(series: NumberSeries): NumberSeries {
  if (!PREFIX.test(series.prefix)) throw seriesError("a prefix is 1 to 20 letters, digits or dashes", "prefix");
  if (!series.format.includes("{seq}")) throw seriesError("the format must contain {seq}", "format");
  // Without the year in the number, a yearly reset would issue INV-000001 again every January.
  if (series.reset === "yearly" && !series.format.includes("{yyyy}")) {
    throw seriesError("a series that resets yearly must show {yyyy} in its format", "format");
  }
  const unknown = series.format.replace(/\{(prefix|yyyy|seq)\}/g, "").match(/[{}]/);
  if (unknown !== null) throw seriesError("the format knows only {prefix}, {yyyy} and {seq}", "format");
  if (!Number.isInteger(series.digits) || series.digits < 1 || series.digits > DIGITS_MAX) {
    throw seriesError(`digits is a whole number from 1 to ${DIGITS_MAX}`, "digits");
  }
  return series;
}

export function formatDocumentNumber(series: NumberSeries, position: SeriesPosition): string {
  return series.format
    .replaceAll("{prefix}", series.prefix)
    .replaceAll("{yyyy}", String(position.year).padStart(4, "0"))
    .replaceAll("{seq}", String(position.sequence).padStart(series.digits, "0"));
}

/**
 * The position after `last` for a document dated in `year`. A yearly series
 * restarts at 1 in a new year; a document dated in an earlier year than the
 * last one continues the current count rather than reopening a closed year,
 * which would break the gapless order within it.
 */
export function nextSeriesPosition(series: NumberSeries, last: SeriesPosition | null, year: number): SeriesPosition {
  if (last === null) return { year, sequence: 1 };
  if (series.reset === "yearly" && year > last.year) return { year, sequence: 1 };
  return { year: Math.max(year, last.year), sequence: last.sequence + 1 };
}

/** The next number and the position to store for the series, in one call. */
export function nextDocumentNumber(
  series: NumberSeries,
  last: SeriesPosition | null,
  year: number,
): { number: string; position: SeriesPosition } {
  const position = nextSeriesPosition(checkNumberSeries(series), last, year);
  return { number: formatDocumentNumber(series, position), position };
}
