import { Temporal } from "temporal-polyfill";
import { DomainError } from "../kernel/errors.js";
import { Decimal, parseAmount } from "../kernel/money.js";
import "./errors.js";

/**
 * Rate cards as plain data: reading and checking rates, applying an edit,
 * laying a customer's overrides over the default, the diff between two
 * versions, and which version is in force. No I/O, no clock.
 */

export interface Rate {
  /** A decimal string, up to 12 decimals, as entered ("9.50" stays "9.50"). */
  value: string;
  unit: string | null;
  description: string | null;
}

/** code → rate. A customer card's set holds only the codes it overrides. */
export type RateSet = Record<string, Rate>;

export type RateCardKind = "default" | "customer";
export type RateCardVersionStatus = "draft" | "pending_approval" | "approved" | "rejected";

/** snake_case, starting with a letter: the name a Lua script reads (`rates.pick_first_unit`). */
const RATE_CODE = /^[a-z][a-z0-9]*(?:_[a-z0-9]+)*$/;
const RATE_CODE_LENGTH_MAX = 64;
const RATES_PER_CARD_MAX = 500;
const RATE_TEXT_LENGTH_MAX = 200;

export function checkRateCode(code: string, param: string): string {
  if (code.length > RATE_CODE_LENGTH_MAX || !RATE_CODE.test(code)) {
    throw new DomainError(
      "invalid_rate_code",
      `${JSON.stringify(code.slice(0, 80))} is not a rate code: lower-case snake_case starting with a letter, at most ${RATE_CODE_LENGTH_MAX} characters (e.g. pick_first_unit)`,
      { param },
    );
  }
  return code;
}

function rateValue(value: unknown, param: string): string {
  let amount: Decimal;
  try {
    amount = parseAmount(value, param);
  } catch (error) {
    if (!(error instanceof DomainError)) throw error;
    throw new DomainError("invalid_rate_value", error.message, { param, details: error.details });
  }
  // Rates are prices and percentages; a discount is its own code, never a negative rate.
  if (amount.isNegative()) {
    throw new DomainError("invalid_rate_value", "a rate may not be negative", { param });
  }
  return value as string;
}

function optionalText(value: unknown, param: string): string | null {
  if (value === undefined || value === null || value === "") return null;
  if (typeof value !== "string" || value.length > RATE_TEXT_LENGTH_MAX) {
    throw new DomainError("invalid_rate_card", `a text of at most ${RATE_TEXT_LENGTH_MAX} characters`, { param });
  }
  return value;
}

/** One rate: `"1.25"` or `{ value: "1.25", unit: "carton", description: "per carton received" }`. */
export function readRate(input: unknown, param: string): Rate {
  if (typeof input === "string") return { value: rateValue(input, param), unit: null, description: null };
  if (typeof input !== "object" || input === null || Array.isArray(input)) {
    throw new DomainError(
      "invalid_rate_value",
      'a rate is "1.25" or { "value": "1.25", "unit": …, "description": … }',
      {
        param,
      },
    );
  }
  const { value, unit, description, ...rest } = input as Record<string, unknown>;
  const unknown = Object.keys(rest)[0];
  if (unknown !== undefined) {
    throw new DomainError("invalid_rate_card", `unknown field ${unknown}`, { param: `${param}.${unknown}` });
  }
  return {
    value: rateValue(value, `${param}.value`),
    unit: optionalText(unit, `${param}.unit`),
    description: optionalText(description, `${param}.description`),
  };
}

/** A whole set of rates, checked code by code; the error names the first bad field. */
export function readRates(input: unknown, param = "rates"): RateSet {
  if (typeof input !== "object" || input === null || Array.isArray(input)) {
    throw new DomainError("invalid_rate_card", "rates is an object of code → rate", { param });
  }
  const entries = Object.entries(input);
  if (entries.length > RATES_PER_CARD_MAX) {
    throw new DomainError("invalid_rate_card", `at most ${RATES_PER_CARD_MAX} rates on a card`, { param });
  }
  const rates: RateSet = {};
  for (const [code, rate] of entries) {
    rates[checkRateCode(code, `${param}.${code}`)] = readRate(rate, `${param}.${code}`);
  }
  return sortedRates(rates);
}

function sortedRates(rates: RateSet): RateSet {
  return Object.fromEntries(Object.entries(rates).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

export interface RateChanges {
  /** Codes added or changed. */
  set?: RateSet | undefined;
  /** Codes dropped (on a customer card: back to the default's rate). */
  remove?: readonly string[] | undefined;
}

/** An edit applied to the rates it starts from; removing a code the set does not hold is refused. */
export function applyRateChanges(base: RateSet, changes: RateChanges): RateSet {
  const next: RateSet = { ...base };
  for (const [index, code] of (changes.remove ?? []).entries()) {
    if (next[code] === undefined) {
      throw new DomainError("invalid_rate_change", `${code} is not on this card, so it cannot be removed`, {
        param: `remove[${index}]`,
      });
    }
    if (changes.set?.[code] !== undefined) {
      throw new DomainError("invalid_rate_change", `${code} is both set and removed`, { param: `remove[${index}]` });
    }
    delete next[code];
  }
  Object.assign(next, changes.set ?? {});
  if (Object.keys(next).length > RATES_PER_CARD_MAX) {
    throw new DomainError("invalid_rate_card", `at most ${RATES_PER_CARD_MAX} rates on a card`, { param: "set" });
  }
  return sortedRates(next);
}

export type RateSource = "default" | "customer";

export interface OverlaidRates {
  rates: RateSet;
  /** Where each code's value came from. */
  source: Record<string, RateSource>;
}

/** The customer's overrides laid over the default: a code the customer names wins, the rest come from the default. */
export function overlayRates(defaults: RateSet, overrides: RateSet): OverlaidRates {
  const rates: RateSet = {};
  const source: Record<string, RateSource> = {};
  for (const [code, rate] of Object.entries(defaults)) {
    rates[code] = rate;
    source[code] = "default";
  }
  for (const [code, rate] of Object.entries(overrides)) {
    // An override that only changes the value keeps the default's unit and description.
    const inherited = rates[code];
    rates[code] = {
      value: rate.value,
      unit: rate.unit ?? inherited?.unit ?? null,
      description: rate.description ?? inherited?.description ?? null,
    };
    source[code] = "customer";
  }
  return { rates: sortedRates(rates), source: Object.fromEntries(Object.entries(source).sort()) };
}

export type RateField = "value" | "unit" | "description";

export interface RateDiff {
  added: { code: string; rate: Rate }[];
  removed: { code: string; rate: Rate }[];
  changed: { code: string; from: Rate; to: Rate; fields: RateField[] }[];
  unchanged: number;
}

/** Values compare as numbers: "9.5" → "9.50" is no change. */
function changedFields(from: Rate, to: Rate): RateField[] {
  const fields: RateField[] = [];
  if (!new Decimal(from.value).equals(to.value)) fields.push("value");
  if (from.unit !== to.unit) fields.push("unit");
  if (from.description !== to.description) fields.push("description");
  return fields;
}

export function diffRates(from: RateSet, to: RateSet): RateDiff {
  const diff: RateDiff = { added: [], removed: [], changed: [], unchanged: 0 };
  const codes = [...new Set([...Object.keys(from), ...Object.keys(to)])].sort();
  for (const code of codes) {
    const before = from[code];
    const after = to[code];
    if (before === undefined && after !== undefined) diff.added.push({ code, rate: after });
    else if (before !== undefined && after === undefined) diff.removed.push({ code, rate: before });
    else if (before !== undefined && after !== undefined) {
      const fields = changedFields(before, after);
      if (fields.length === 0) diff.unchanged++;
      else diff.changed.push({ code, from: before, to: after, fields });
    }
  }
  return diff;
}

export interface VersionTiming {
  number: number;
  status: RateCardVersionStatus;
  effective_from: Temporal.Instant | null;
}

/**
 * The approved version in force at an instant: the latest effective_from at
 * or before it (half-open, so an instant on a boundary takes the new
 * version); of two starting together, the one approved later (higher number).
 */
export function versionInForce<Version extends VersionTiming>(
  versions: readonly Version[],
  instant: Temporal.Instant,
): Version | undefined {
  let best: Version | undefined;
  for (const version of versions) {
    const from = version.effective_from;
    if (version.status !== "approved" || from === null) continue;
    if (Temporal.Instant.compare(from, instant) > 0) continue;
    const bestFrom = best?.effective_from;
    if (best === undefined || bestFrom == null) {
      best = version;
      continue;
    }
    const order = Temporal.Instant.compare(from, bestFrom);
    if (order > 0 || (order === 0 && version.number > best.number)) best = version;
  }
  return best;
}

/**
 * A version is backdated when it starts before the moment it is assessed at
 * (its creation, an edit, its approval): it then covers usage already rated.
 */
export function isBackdated(effectiveFrom: Temporal.Instant | null, at: Temporal.Instant): boolean {
  return effectiveFrom !== null && Temporal.Instant.compare(effectiveFrom, at) < 0;
}

/** The moves a version may make; anything else is refused by `checkVersionTransition`. */
const TRANSITIONS: Readonly<Record<RateCardVersionStatus, readonly RateCardVersionStatus[]>> = {
  draft: ["pending_approval"],
  // Back to draft when a rejected request is worked on again is a new version instead: history stays as decided.
  pending_approval: ["approved", "rejected"],
  approved: [],
  rejected: [],
};

export function checkVersionTransition(from: RateCardVersionStatus, to: RateCardVersionStatus): void {
  if (!TRANSITIONS[from].includes(to)) {
    throw new DomainError(
      "rate_card_version_not_editable",
      `a ${from.replace("_", " ")} version cannot become ${to.replace("_", " ")}`,
      { param: "version" },
    );
  }
}
