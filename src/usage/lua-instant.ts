/**
 * Milliseconds of an event's ISO 8601 instant, exactly as Date.parse reads
 * it (NaN when it cannot). Rating reads one per event, and Date.parse was a
 * tenth of a batch's time, so the form WMS logs and toISOString() write,
 * "2026-11-03T10:00:00Z" or "2026-11-03T10:00:00.123Z", is read here
 * character by character, every character checked; anything else (an
 * offset, other fractions, lowercase letters, a day past the month's end,
 * which Date.parse rolls over) goes to Date.parse. The date is counted in
 * days on the proleptic Gregorian calendar, as Date.parse counts it: year
 * 0050 is 50, not 1950 as Date.UTC would have it.
 */

const MS_PER_DAY = 86_400_000;
/** Days from 0000-03-01 to 1970-01-01 on the proleptic Gregorian calendar. */
const EPOCH_DAYS = 719_468;

/** The value of the digit at a position, or -1 for any other character. */
function digitAt(text: string, at: number): number {
  const code = text.charCodeAt(at) - 48;
  return code >= 0 && code <= 9 ? code : -1;
}

/** Two digits as a number, or -1. */
function twoDigits(text: string, at: number): number {
  const tens = digitAt(text, at);
  const ones = digitAt(text, at + 1);
  return tens < 0 || ones < 0 ? -1 : tens * 10 + ones;
}

function daysInMonth(year: number, month: number): number {
  if (month !== 2) return month === 4 || month === 6 || month === 9 || month === 11 ? 30 : 31;
  return year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0) ? 29 : 28;
}

/** Days since 1970-01-01 of a valid date with a year from 0 to 9999 (H. Hinnant's days_from_civil). */
function daysFromCivil(year: number, month: number, day: number): number {
  const shifted = month <= 2 ? year - 1 : year;
  const era = Math.floor(shifted / 400);
  const yearOfEra = shifted - era * 400;
  const dayOfYear = Math.floor((153 * (month + (month > 2 ? -3 : 9)) + 2) / 5) + day - 1;
  const dayOfEra = yearOfEra * 365 + Math.floor(yearOfEra / 4) - Math.floor(yearOfEra / 100) + dayOfYear;
  return era * 146_097 + dayOfEra - EPOCH_DAYS;
}

/** The canonical form's milliseconds, or NaN when the text is not in it (or names no real date or time). */
function canonicalMilliseconds(text: string): number {
  const length = text.length;
  if (length !== 20 && length !== 24) return Number.NaN;
  if (text.charCodeAt(length - 1) !== 90 /* Z */ || text.charCodeAt(10) !== 84 /* T */) return Number.NaN;
  if (text.charCodeAt(4) !== 45 || text.charCodeAt(7) !== 45) return Number.NaN; // -
  if (text.charCodeAt(13) !== 58 || text.charCodeAt(16) !== 58) return Number.NaN; // :
  const century = twoDigits(text, 0);
  const yearOfCentury = twoDigits(text, 2);
  const month = twoDigits(text, 5);
  const day = twoDigits(text, 8);
  const hour = twoDigits(text, 11);
  const minute = twoDigits(text, 14);
  const second = twoDigits(text, 17);
  if (century < 0 || yearOfCentury < 0 || month < 1 || month > 12 || day < 1) return Number.NaN;
  if (hour < 0 || hour > 23 || minute < 0 || minute > 59 || second < 0 || second > 59) return Number.NaN;
  let millis = 0;
  if (length === 24) {
    if (text.charCodeAt(19) !== 46 /* . */) return Number.NaN;
    const hundreds = digitAt(text, 20);
    const rest = twoDigits(text, 21);
    if (hundreds < 0 || rest < 0) return Number.NaN;
    millis = hundreds * 100 + rest;
  }
  const year = century * 100 + yearOfCentury;
  if (day > daysInMonth(year, month)) return Number.NaN;
  return daysFromCivil(year, month, day) * MS_PER_DAY + ((hour * 60 + minute) * 60 + second) * 1000 + millis;
}

export function instantMilliseconds(text: string): number {
  const ms = canonicalMilliseconds(text);
  return Number.isNaN(ms) ? Date.parse(text) : ms;
}
