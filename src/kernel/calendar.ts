/**
 * Calendar arithmetic on plain numbers for the ISO calendar, where billing
 * places boundaries thousands of times and Temporal's `add` would build
 * several objects each time.
 */

/** Days in a month of the ISO calendar; `month` is 1–12. */
export function daysInMonth(year: number, month: number): number {
  if (month === 2) return year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0) ? 29 : 28;
  return month === 4 || month === 6 || month === 9 || month === 11 ? 30 : 31;
}

/**
 * The date `months` months after year-month `year`-`month`, on `day`
 * clamped to that month's last day: (2024, 1, 31) + 1 month is 2024-02-29.
 */
export function monthsAfter(
  date: { year: number; month: number },
  months: number,
  day: number,
): { year: number; month: number; day: number } {
  const count = date.year * 12 + (date.month - 1) + months;
  const year = Math.floor(count / 12);
  const month = count - year * 12 + 1;
  return { year, month, day: Math.min(day, daysInMonth(year, month)) };
}
