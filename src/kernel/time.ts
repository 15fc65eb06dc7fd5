import { Temporal } from "temporal-polyfill";
import { DomainError } from "./errors.js";

/**
 * Parsers for the time values the API accepts, each failing with a named code
 * and the field it was given, so bad input is a 400 naming the field rather
 * than a RangeError from deep inside Temporal.
 */

function describe(value: unknown): string {
  return typeof value === "string" ? JSON.stringify(value.slice(0, 60)) : typeof value;
}

function paramOption(param: string | undefined): { param: string } | undefined {
  return param === undefined ? undefined : { param };
}

/**
 * IANA names only ("Europe/London", "UTC", "Etc/GMT+5"). A bare offset such
 * as "+02:00" is refused even though Temporal accepts it: a customer's offset
 * changes with daylight saving time, and billing them on a fixed one would
 * move their period boundaries by an hour twice a year. Names are
 * case-insensitive in the IANA database, so "europe/london" is accepted and
 * returned in its canonical case.
 */
const TIME_ZONE_NAME = /^[A-Za-z][A-Za-z0-9_+\-/]{0,63}$/;

export function parseTimeZone(text: unknown, param?: string): string {
  if (typeof text === "string" && TIME_ZONE_NAME.test(text)) {
    try {
      return new Temporal.ZonedDateTime(0n, text).timeZoneId;
    } catch {
      // fall through to the named error
    }
  }
  throw new DomainError(
    "invalid_time_zone",
    `${describe(text)} is not an IANA time zone name (e.g. "America/New_York")`,
    paramOption(param),
  );
}

const PLAIN_DATE = /^[0-9]{4}-[0-9]{2}-[0-9]{2}$/;

/** A calendar date, "2024-02-29"; "2023-02-29" and other impossible dates are refused, not moved. */
export function parseDate(text: unknown, param?: string): Temporal.PlainDate {
  if (typeof text === "string" && PLAIN_DATE.test(text)) {
    try {
      return Temporal.PlainDate.from(text, { overflow: "reject" });
    } catch {
      // an impossible date such as 2023-02-29
    }
  }
  throw new DomainError("invalid_date", `${describe(text)} is not a date in the form YYYY-MM-DD`, paramOption(param));
}

/**
 * An instant in RFC 3339 form with an explicit offset: "2024-03-10T07:00:00Z"
 * or "2024-03-10T02:00:00-05:00". A local time without an offset is refused:
 * it names a different instant in every time zone.
 */
const RFC_3339_INSTANT =
  /^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(?:\.[0-9]{1,9})?(?:Z|[+-][0-9]{2}:[0-9]{2})$/;

export function parseInstant(text: unknown, param?: string): Temporal.Instant {
  if (typeof text === "string" && RFC_3339_INSTANT.test(text)) {
    try {
      return Temporal.Instant.from(text);
    } catch {
      // an impossible date or time such as 2024-02-30 or 25:00
    }
  }
  throw new DomainError(
    "invalid_date",
    `${describe(text)} is not an instant in the form YYYY-MM-DDTHH:MM:SSZ or with an offset such as +01:00`,
    paramOption(param),
  );
}
