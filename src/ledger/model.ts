import type { Temporal } from "temporal-polyfill";
import { assert, assertNever, DomainError } from "../kernel/errors.js";
import { currencyMinorUnits, Decimal, parseAmount } from "../kernel/money.js";
import { parseDate } from "../kernel/time.js";
// The codes this file throws are registered with their kinds wherever the rules are used.
import "./errors.js";

/**
 * The ledger's rules as plain functions: what a valid journal entry is, which
 * side an account's balance sits on, how a reversal mirrors an entry, how a
 * trial balance adds up and when a period may close. No I/O and no clock, so
 * every rule is tested without a database.
 */

export const ACCOUNT_TYPES = ["asset", "liability", "equity", "revenue", "expense"] as const;
export type AccountType = (typeof ACCOUNT_TYPES)[number];

export const PARTY_TYPES = ["customer", "payee", "department"] as const;
export type PartyType = (typeof PARTY_TYPES)[number];

export type BalanceSide = "debit" | "credit";

export interface Account {
  id: string;
  code: string;
  name: string;
  type: AccountType;
  currency: string;
  party_type: PartyType | null;
  party_id: string | null;
  archived: boolean;
  created_at: Temporal.Instant;
}

/** What posting needs to know about an account. */
export type AccountFacts = Pick<Account, "id" | "code" | "name" | "type" | "currency" | "archived">;

/** Assets and expenses grow with debits; liabilities, equity and revenue with credits. */
export function normalSideOf(type: AccountType): BalanceSide {
  switch (type) {
    case "asset":
    case "expense":
      return "debit";
    case "liability":
    case "equity":
    case "revenue":
      return "credit";
    default:
      return assertNever(type, "account type");
  }
}

/**
 * The balance as the billing team reads it: positive on the account's normal
 * side. A negative balance is real information (a customer's receivable in
 * credit, a contra-revenue account such as refunds), never clamped.
 */
export function signedBalance(type: AccountType, debit: Decimal, credit: Decimal): Decimal {
  return normalSideOf(type) === "debit" ? debit.minus(credit) : credit.minus(debit);
}

// ---------------------------------------------------------------------------
// Journal entries

export interface LineInput {
  account_id: string;
  debit?: Decimal | string | undefined;
  credit?: Decimal | string | undefined;
}

export interface EntryInput {
  /** What caused the entry: `invoice` + `inv_…`, `payment` + `pay_…`, `manual` + `je_…`. */
  source_type: string;
  source_id: string;
  /** The business event, e.g. `invoice.finalized:inv_…`: the same key posts once. */
  idempotency_key: string;
  /** The accounting date, YYYY-MM-DD. */
  effective_date: string | Temporal.PlainDate;
  memo?: string | undefined;
  lines: readonly LineInput[];
}

export interface PreparedLine {
  account_id: string;
  currency: string;
  /** Exactly one of debit and credit is positive; the other is zero. */
  debit: Decimal;
  credit: Decimal;
}

/** An entry that passed every rule and can be written as it is. */
export interface PreparedEntry {
  source_type: string;
  source_id: string;
  idempotency_key: string;
  effective_date: string;
  memo: string;
  reverses_entry_id: string | null;
  lines: PreparedLine[];
}

export const ENTRY_LINES_MAX = 500;
export const MEMO_LENGTH_MAX = 1000;
export const IDEMPOTENCY_KEY_LENGTH_MAX = 255;
/**
 * Lines are stored as numeric(38,12): 26 digits before the point. A single
 * line is kept below 10^18 so that a balance summing millions of the largest
 * lines still fits; no real invoice comes near it.
 */
export const LINE_AMOUNT_LIMIT = new Decimal("1e18");
const SOURCE_TYPE_PATTERN = /^[a-z][a-z0-9_]{0,39}$/;

function refusal(code: string, message: string, param: string): DomainError {
  return new DomainError(code, message, { param });
}

function readAmount(value: Decimal | string | undefined, param: string): Decimal | undefined {
  if (value === undefined) return undefined;
  // Text goes through the canonical grammar ("1e3" and "0x10" are not amounts); a Decimal is taken as it is.
  const amount = typeof value === "string" ? parseAmount(value, param) : new Decimal(value);
  if (!amount.isFinite()) throw refusal("invalid_amount", "an amount must be a finite number", param);
  return amount;
}

/** One side of a line, strictly positive: a zero or negative line says nothing the other side cannot. */
function lineSides(line: LineInput, index: number): { debit: Decimal; credit: Decimal } {
  const debit = readAmount(line.debit, `lines.${index}.debit`);
  const credit = readAmount(line.credit, `lines.${index}.credit`);
  if ((debit === undefined) === (credit === undefined)) {
    throw refusal("line_side_invalid", `line ${index} needs exactly one of debit and credit`, `lines.${index}`);
  }
  const side = debit === undefined ? "credit" : "debit";
  const amount = (debit ?? credit) as Decimal;
  if (!amount.isPositive() || amount.isZero()) {
    throw refusal(
      "line_side_invalid",
      `line ${index}: the ${side} must be greater than zero`,
      `lines.${index}.${side}`,
    );
  }
  if (amount.gte(LINE_AMOUNT_LIMIT)) {
    throw refusal("amount_out_of_range", `line ${index}: amounts stop below 10^18`, `lines.${index}.${side}`);
  }
  const zero = new Decimal(0);
  return side === "debit" ? { debit: amount, credit: zero } : { debit: zero, credit: amount };
}

/** Ledger amounts are already rounded: 12.505 USD is a bug upstream, refused rather than rounded again. */
function checkPrecision(line: PreparedLine, index: number): void {
  const minorUnits = currencyMinorUnits(line.currency);
  const side = line.debit.isZero() ? "credit" : "debit";
  if (line[side].decimalPlaces() > minorUnits) {
    throw refusal(
      "amount_precision",
      `line ${index}: ${line[side].toString()} has more than the ${minorUnits} decimals ${line.currency} is kept in`,
      `lines.${index}.${side}`,
    );
  }
}

export interface CurrencyTotal {
  currency: string;
  debit: Decimal;
  credit: Decimal;
}

/** Debit and credit totals per currency, in currency order. */
export function totalsByCurrency(
  lines: readonly Pick<PreparedLine, "currency" | "debit" | "credit">[],
): CurrencyTotal[] {
  const totals = new Map<string, CurrencyTotal>();
  for (const line of lines) {
    const total = totals.get(line.currency) ?? {
      currency: line.currency,
      debit: new Decimal(0),
      credit: new Decimal(0),
    };
    total.debit = total.debit.plus(line.debit);
    total.credit = total.credit.plus(line.credit);
    totals.set(line.currency, total);
  }
  return [...totals.values()].sort((a, b) => (a.currency < b.currency ? -1 : a.currency > b.currency ? 1 : 0));
}

/** Debits equal credits in every currency of the entry; currencies are never netted against each other. */
function checkBalanced(lines: readonly PreparedLine[]): void {
  for (const total of totalsByCurrency(lines)) {
    if (!total.debit.eq(total.credit)) {
      throw new DomainError(
        "entry_unbalanced",
        `the ${total.currency} lines do not balance: debits ${total.debit.toString()}, credits ${total.credit.toString()}`,
        {
          param: "lines",
          details: { currency: total.currency, debit: total.debit.toString(), credit: total.credit.toString() },
        },
      );
    }
  }
}

function checkHeader(input: EntryInput): void {
  const key = input.idempotency_key;
  if (typeof key !== "string" || key.length === 0 || key.length > IDEMPOTENCY_KEY_LENGTH_MAX) {
    throw refusal(
      "entry_key_invalid",
      `an idempotency key is 1 to ${IDEMPOTENCY_KEY_LENGTH_MAX} characters`,
      "idempotency_key",
    );
  }
  if (!SOURCE_TYPE_PATTERN.test(input.source_type)) {
    throw refusal("source_invalid", "a source type is lower-case snake_case, e.g. invoice", "source.type");
  }
  if (input.source_id.length === 0 || input.source_id.length > 100) {
    throw refusal("source_invalid", "a source id is 1 to 100 characters", "source.id");
  }
  if ((input.memo ?? "").length > MEMO_LENGTH_MAX) {
    throw refusal("invalid_request", `a memo is at most ${MEMO_LENGTH_MAX} characters`, "memo");
  }
  if (input.lines.length < 2) {
    throw refusal("entry_lines_too_few", "a journal entry has at least two lines", "lines");
  }
  if (input.lines.length > ENTRY_LINES_MAX) {
    throw refusal("entry_lines_too_many", `a journal entry has at most ${ENTRY_LINES_MAX} lines`, "lines");
  }
}

/**
 * Dates already found valid. A billing run dates thousands of entries on a
 * handful of days, and parsing each with Temporal was a quarter of the
 * batch's validation time. Only valid dates are kept, so it changes no answer.
 */
const validDates = new Set<string>();
const VALID_DATES_MAX = 10_000;

/** The accounting date as YYYY-MM-DD; impossible dates are refused, not moved. */
export function effectiveDateOf(value: string | Temporal.PlainDate, param = "effective_date"): string {
  if (typeof value !== "string") return value.toString();
  if (validDates.has(value)) return value;
  const date = parseDate(value, param).toString();
  if (validDates.size >= VALID_DATES_MAX) validDates.clear();
  validDates.add(date);
  return date;
}

/**
 * Checks everything about an entry that does not depend on the database:
 * header fields, two or more one-sided positive lines, the date. Runs before
 * any account is loaded so malformed input costs no query.
 */
export function checkEntryShape(input: EntryInput): void {
  checkHeader(input);
  effectiveDateOf(input.effective_date);
  input.lines.forEach(lineSides);
}

/** A posting at or before the latest closed date would change figures already reported. */
export function checkPeriodOpen(effectiveDate: string, closedThrough: string | null, param = "effective_date"): void {
  if (closedThrough !== null && effectiveDate <= closedThrough) {
    throw new DomainError(
      "period_closed",
      `the books are closed through ${closedThrough}; date the entry after it or reopen the period`,
      { param, details: { closed_through: closedThrough } },
    );
  }
}

/**
 * Turns a request into a postable entry: every line on a known, open account,
 * in that account's currency, rounded to its minor unit, balanced per currency,
 * dated after the closed period. Single and batch posting both go through here.
 */
export function prepareEntry(
  input: EntryInput,
  accounts: ReadonlyMap<string, AccountFacts>,
  closedThrough: string | null,
  reversesEntryId: string | null = null,
): PreparedEntry {
  checkHeader(input);
  const effectiveDate = effectiveDateOf(input.effective_date);
  const lines = input.lines.map((line, index): PreparedLine => {
    const sides = lineSides(line, index);
    const account = accounts.get(line.account_id);
    if (account === undefined) {
      throw new DomainError("account_not_found", `no ledger account ${line.account_id}`, {
        param: `lines.${index}.account`,
      });
    }
    if (account.archived) {
      throw refusal("account_archived", `account ${account.code} is archived`, `lines.${index}.account`);
    }
    const prepared = { account_id: account.id, currency: account.currency, ...sides };
    checkPrecision(prepared, index);
    return prepared;
  });
  checkBalanced(lines);
  checkPeriodOpen(effectiveDate, closedThrough);
  return {
    source_type: input.source_type,
    source_id: input.source_id,
    idempotency_key: input.idempotency_key,
    effective_date: effectiveDate,
    memo: input.memo ?? "",
    reverses_entry_id: reversesEntryId,
    lines,
  };
}

// ---------------------------------------------------------------------------
// Reversals

export interface PostedEntryFacts {
  id: string;
  reverses_entry_id: string | null;
  reversed_by_entry_id: string | null;
  lines: readonly PreparedLine[];
}

/**
 * An entry is reversed at most once, and a reversal is never itself reversed:
 * undoing a reversal is a new, ordinary entry that says so in its memo. Allowing
 * reversal chains would make "is this entry in effect?" depend on the parity of
 * a chain, which an auditor should not have to work out.
 */
export function checkReversible(entry: PostedEntryFacts): void {
  if (entry.reverses_entry_id !== null) {
    throw refusal(
      "reversal_not_reversible",
      `entry ${entry.id} is itself a reversal; post a new entry to restore the original`,
      "id",
    );
  }
  if (entry.reversed_by_entry_id !== null) {
    throw new DomainError("entry_already_reversed", `entry ${entry.id} was reversed by ${entry.reversed_by_entry_id}`, {
      param: "id",
      details: { reversed_by_entry_id: entry.reversed_by_entry_id },
    });
  }
}

/** The mirror image: every debit becomes a credit of the same amount on the same account. */
export function mirroredLines(lines: readonly PreparedLine[]): LineInput[] {
  return lines.map((line) =>
    line.debit.isZero()
      ? { account_id: line.account_id, debit: line.credit }
      : { account_id: line.account_id, credit: line.debit },
  );
}

export function reversalKey(entryId: string): string {
  return `reversal:${entryId}`;
}

// ---------------------------------------------------------------------------
// Balances

export interface TrialBalanceRow {
  account: AccountFacts;
  debit: Decimal;
  credit: Decimal;
}

export interface TrialBalance {
  as_of: string | null;
  accounts: (TrialBalanceRow & { balance: Decimal })[];
  totals: CurrencyTotal[];
}

/**
 * Every account's totals and balance, and debit/credit totals per currency.
 * The totals balancing is asserted: posting only accepts balanced entries, so
 * a difference here means a bug or a row changed behind the ledger's back.
 */
export function buildTrialBalance(rows: readonly TrialBalanceRow[], asOf: string | null): TrialBalance {
  const accounts = rows.map((row) => ({ ...row, balance: signedBalance(row.account.type, row.debit, row.credit) }));
  const totals = totalsByCurrency(
    rows.map((row) => ({ currency: row.account.currency, debit: row.debit, credit: row.credit })),
  );
  for (const total of totals) {
    assert(total.debit.eq(total.credit), `trial balance in ${total.currency} is off: ${total.debit} ≠ ${total.credit}`);
  }
  return { as_of: asOf, accounts, totals };
}

// ---------------------------------------------------------------------------
// Period locks

export interface PeriodState {
  /** Every date up to and including this one is closed; null when nothing is. */
  closed_through: string | null;
  /** The close in effect, and the one it replaced: reopening steps back one close. */
  lock_id: string | null;
}

/** Closing moves forward only; closing an already-closed date again is a mistake worth naming. */
export function checkClose(state: PeriodState, through: string): void {
  if (state.closed_through !== null && through <= state.closed_through) {
    throw new DomainError("period_already_closed", `the books are already closed through ${state.closed_through}`, {
      param: "through",
      details: { closed_through: state.closed_through },
    });
  }
}

export function checkReopen(state: PeriodState, reason: string | undefined): string {
  const trimmed = (reason ?? "").trim();
  if (trimmed === "") {
    throw refusal("reopen_reason_required", "say why the period is being reopened", "reason");
  }
  if (state.lock_id === null) {
    throw new DomainError("period_not_closed", "no period is closed", { param: "reason" });
  }
  return trimmed;
}
