import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { freshDatabase } from "../../test/support/database.js";
import { systemContext } from "../kernel/actor.js";
import { TestClock } from "../kernel/clock.js";
import type { Deps } from "../kernel/deps.js";
import { DomainError } from "../kernel/errors.js";
import {
  type AccountType,
  closePeriod,
  createAccount,
  type EntryInput,
  getAccountBalance,
  postEntriesBatch,
  postEntry,
  reopenPeriod,
  reverseEntry,
  trialBalance,
} from "./index.js";

/**
 * The ledger against a reference model (TigerBeetle's auditor, in small):
 * random sequences of postings (single and batched, some malformed), replays,
 * reversals, closes and reopenings run against PostgreSQL and against a few
 * lines of in-memory bookkeeping, and after every step the balances as of
 * several dates, the kept current balances and the trial balance totals must
 * agree, and every refused operation must be refused for the same reason.
 */

const { db } = await freshDatabase();
const deps: Deps = { db, clock: new TestClock("2026-02-01T09:00:00Z") };
const ctx = systemContext("property_test", "req_property");

const DATES = Array.from({ length: 10 }, (_, day) => `2026-01-${String(day + 1).padStart(2, "0")}`);
const CHECK_DATES = ["2026-01-02", "2026-01-05", "2026-01-09"];
const ACCOUNTS: { type: AccountType; currency: "USD" | "JPY" }[] = [
  { type: "asset", currency: "USD" },
  { type: "revenue", currency: "USD" },
  { type: "liability", currency: "USD" },
  { type: "asset", currency: "JPY" },
  { type: "expense", currency: "JPY" },
];
const MINOR_UNITS = { USD: 2, JPY: 0 } as const;

// ---------------------------------------------------------------------------
// Operations

interface Pair {
  currency: "USD" | "JPY";
  debit: number; // index into the run's accounts of that currency
  credit: number;
  amount: number; // minor units
}
type Flaw = "none" | "unbalanced" | "precision";
interface PostSpec {
  pairs: Pair[];
  date: number;
  flaw: Flaw;
}
type Operation =
  | { kind: "post"; entry: PostSpec }
  | { kind: "batch"; entries: PostSpec[] }
  | { kind: "replay"; target: number }
  | { kind: "reverse"; target: number; date: number }
  | { kind: "close"; date: number }
  | { kind: "reopen" };

const pair = fc.record({
  currency: fc.constantFrom("USD" as const, "JPY" as const),
  debit: fc.nat(2),
  credit: fc.nat(2),
  amount: fc.integer({ min: 1, max: 500_000 }),
});
const postSpec = fc.record({
  pairs: fc.array(pair, { minLength: 1, maxLength: 3 }),
  date: fc.nat(DATES.length - 1),
  flaw: fc.constantFrom<Flaw>("none", "none", "none", "none", "unbalanced", "precision"),
});
const operation: fc.Arbitrary<Operation> = fc.oneof(
  { weight: 5, arbitrary: postSpec.map((entry) => ({ kind: "post" as const, entry })) },
  {
    weight: 2,
    arbitrary: fc
      .array(postSpec, { minLength: 1, maxLength: 4 })
      .map((entries) => ({ kind: "batch" as const, entries })),
  },
  { weight: 1, arbitrary: fc.nat(50).map((target) => ({ kind: "replay" as const, target })) },
  {
    weight: 3,
    arbitrary: fc
      .record({ target: fc.nat(50), date: fc.nat(DATES.length - 1) })
      .map((spec) => ({ kind: "reverse" as const, ...spec })),
  },
  { weight: 2, arbitrary: fc.nat(DATES.length - 1).map((date) => ({ kind: "close" as const, date })) },
  { weight: 1, arbitrary: fc.constant({ kind: "reopen" as const }) },
);

// ---------------------------------------------------------------------------
// The reference model: entries as lists of (account, signed minor units, date).

interface RefLine {
  account: number;
  debit: number;
  credit: number;
}
interface RefEntry {
  id: string;
  key: string;
  date: string;
  lines: RefLine[];
  isReversal: boolean;
  reversed: boolean;
}
interface Reference {
  entries: RefEntry[];
  closes: string[]; // a stack: the last is in effect
}

function closedThrough(ref: Reference): string | null {
  return ref.closes.at(-1) ?? null;
}

/** Which account (0–4) a pair's side lands on: USD pairs use accounts 0–2, JPY pairs 3–4. */
function accountOf(currency: "USD" | "JPY", index: number): number {
  return currency === "USD" ? index % 3 : 3 + (index % 2);
}

function refLines(spec: PostSpec): RefLine[] {
  return spec.pairs.flatMap((p) => [
    { account: accountOf(p.currency, p.debit), debit: p.amount, credit: 0 },
    { account: accountOf(p.currency, p.credit), debit: 0, credit: p.amount },
  ]);
}

/** The refusal the model gives for an entry, in the order posting checks: precision, balance, period. */
function expectedRefusal(spec: PostSpec, ref: Reference): string | null {
  if (spec.flaw === "precision") return "amount_precision";
  if (spec.flaw === "unbalanced") return "entry_unbalanced";
  const closed = closedThrough(ref);
  if (closed !== null && (DATES[spec.date] as string) <= closed) return "period_closed";
  return null;
}

function amountText(currency: "USD" | "JPY", minor: number): string {
  return MINOR_UNITS[currency] === 2 ? (minor / 100).toFixed(2) : String(minor);
}

function toInput(spec: PostSpec, key: string, accounts: string[]): EntryInput {
  const lines = spec.pairs.flatMap((p) => {
    let debit = amountText(p.currency, p.amount);
    if (spec.flaw === "unbalanced") debit = amountText(p.currency, p.amount + 1);
    if (spec.flaw === "precision") debit = p.currency === "USD" ? `${debit}5` : `${debit}.5`;
    return [
      { account_id: accounts[accountOf(p.currency, p.debit)] as string, debit },
      { account_id: accounts[accountOf(p.currency, p.credit)] as string, credit: amountText(p.currency, p.amount) },
    ];
  });
  return {
    source_type: "test",
    source_id: key,
    idempotency_key: key,
    effective_date: DATES[spec.date] as string,
    lines,
  };
}

async function refusalOf(work: () => Promise<unknown>): Promise<string | null> {
  try {
    await work();
    return null;
  } catch (error) {
    if (error instanceof DomainError) return error.code;
    throw error;
  }
}

// ---------------------------------------------------------------------------
// Running one operation on both sides

interface Run {
  tag: string;
  accounts: string[];
  ref: Reference;
  keys: number;
}

async function runPost(run: Run, spec: PostSpec): Promise<void> {
  const key = `${run.tag}:${run.keys++}`;
  const expected = expectedRefusal(spec, run.ref);
  let id = "";
  const actual = await refusalOf(async () => {
    id = (await postEntry(deps, ctx, toInput(spec, key, run.accounts))).id;
  });
  expect(actual).toBe(expected);
  if (expected === null) {
    const entry = { id, key, date: DATES[spec.date] as string, lines: refLines(spec) };
    run.ref.entries.push({ ...entry, isReversal: false, reversed: false });
  }
}

async function runBatch(run: Run, specs: PostSpec[]): Promise<void> {
  const keys = specs.map(() => `${run.tag}:${run.keys++}`);
  // All or nothing: the first malformed entry refuses the batch, then the first one in a closed period.
  const modelRefusal = specs.map((spec) => expectedRefusal(spec, run.ref));
  const expected =
    modelRefusal.find((reason) => reason !== null && reason !== "period_closed") ??
    modelRefusal.find((reason) => reason !== null) ??
    null;
  let ids: string[] = [];
  const actual = await refusalOf(async () => {
    const inputs = specs.map((spec, index) => toInput(spec, keys[index] as string, run.accounts));
    ids = (await postEntriesBatch(deps, ctx, inputs)).entry_ids;
  });
  expect(actual).toBe(expected);
  if (expected === null) {
    specs.forEach((spec, index) => {
      const entry = { id: ids[index] as string, key: keys[index] as string, date: DATES[spec.date] as string };
      run.ref.entries.push({ ...entry, lines: refLines(spec), isReversal: false, reversed: false });
    });
  }
}

async function runReplay(run: Run, target: number): Promise<void> {
  const originals = run.ref.entries.filter((entry) => !entry.isReversal);
  const original = originals[target % Math.max(1, originals.length)];
  if (original === undefined) return;
  // Different amounts under the same key: the first entry comes back and nothing moves.
  const spec: PostSpec = { pairs: [{ currency: "USD", debit: 0, credit: 1, amount: 1 }], date: 9, flaw: "none" };
  const entry = await postEntry(deps, ctx, toInput(spec, original.key, run.accounts));
  expect(entry.id).toBe(original.id);
}

async function runReverse(run: Run, target: number, date: number): Promise<void> {
  const original = run.ref.entries[target % Math.max(1, run.ref.entries.length)];
  if (original === undefined) return;
  const closed = closedThrough(run.ref);
  let expected: string | null = null;
  if (original.isReversal) expected = "reversal_not_reversible";
  else if (original.reversed) expected = "entry_already_reversed";
  else if (closed !== null && (DATES[date] as string) <= closed) expected = "period_closed";
  let id = "";
  const actual = await refusalOf(async () => {
    id = (await reverseEntry(deps, ctx, original.id, { effective_date: DATES[date] as string })).id;
  });
  expect(actual).toBe(expected);
  if (expected === null) {
    original.reversed = true;
    const lines = original.lines.map((line) => ({ account: line.account, debit: line.credit, credit: line.debit }));
    run.ref.entries.push({
      id,
      key: `reversal:${original.id}`,
      date: DATES[date] as string,
      lines,
      isReversal: true,
      reversed: false,
    });
  }
}

async function runClose(run: Run, date: number): Promise<void> {
  const through = DATES[date] as string;
  const closed = closedThrough(run.ref);
  const expected = closed !== null && through <= closed ? "period_already_closed" : null;
  expect(await refusalOf(() => closePeriod(deps, ctx, { through }))).toBe(expected);
  if (expected === null) run.ref.closes.push(through);
}

async function runReopen(run: Run): Promise<void> {
  const expected = run.ref.closes.length === 0 ? "period_not_closed" : null;
  expect(await refusalOf(() => reopenPeriod(deps, ctx, { reason: "property test" }))).toBe(expected);
  if (expected === null) run.ref.closes.pop();
}

async function runOperation(run: Run, op: Operation): Promise<void> {
  switch (op.kind) {
    case "post":
      return runPost(run, op.entry);
    case "batch":
      return runBatch(run, op.entries);
    case "replay":
      return runReplay(run, op.target);
    case "reverse":
      return runReverse(run, op.target, op.date);
    case "close":
      return runClose(run, op.date);
    case "reopen":
      return runReopen(run);
  }
}

// ---------------------------------------------------------------------------
// The audit after every step

function referenceTotals(ref: Reference, account: number, asOf: string | null) {
  let debit = 0;
  let credit = 0;
  for (const entry of ref.entries) {
    if (asOf !== null && entry.date > asOf) continue;
    for (const line of entry.lines) {
      if (line.account !== account) continue;
      debit += line.debit;
      credit += line.credit;
    }
  }
  return { debit, credit };
}

function minor(amount: { toFixed(digits: number): string }, currency: "USD" | "JPY"): number {
  return Math.round(Number(amount.toFixed(MINOR_UNITS[currency])) * 10 ** MINOR_UNITS[currency]);
}

async function audit(run: Run): Promise<void> {
  for (const asOf of [null, ...CHECK_DATES]) {
    const trial = await trialBalance(deps, asOf === null ? {} : { as_of: asOf });
    for (const total of trial.totals) expect(total.debit.eq(total.credit)).toBe(true);
    for (const [index, spec] of ACCOUNTS.entries()) {
      const row = trial.accounts.find((candidate) => candidate.account.id === run.accounts[index]);
      if (row === undefined) throw new Error(`account ${index} is missing from the trial balance`);
      const actual = { debit: minor(row.debit, spec.currency), credit: minor(row.credit, spec.currency) };
      expect(actual).toEqual(referenceTotals(run.ref, index, asOf));
    }
  }
  // The O(1) kept balance of one account agrees with its lines.
  const index = run.keys % ACCOUNTS.length;
  const kept = await getAccountBalance(deps, run.accounts[index] as string);
  const spec = ACCOUNTS[index] as (typeof ACCOUNTS)[number];
  expect({ debit: minor(kept.debit, spec.currency), credit: minor(kept.credit, spec.currency) }).toEqual(
    referenceTotals(run.ref, index, null),
  );
}

async function startRun(runIndex: number): Promise<Run> {
  // Period locks are global: every run starts with the books open.
  while ((await refusalOf(() => reopenPeriod(deps, ctx, { reason: "property test reset" }))) === null) {}
  const tag = `p${runIndex}`;
  const accounts: string[] = [];
  for (const [index, spec] of ACCOUNTS.entries()) {
    const account = await createAccount(deps, ctx, {
      code: `9${runIndex}:${index}`,
      name: `Property ${runIndex}.${index}`,
      ...spec,
    });
    accounts.push(account.id);
  }
  return { tag, accounts, ref: { entries: [], closes: [] }, keys: 0 };
}

describe("the ledger against a reference model", () => {
  it("agrees after every step of random postings, reversals, closes and reopenings", async () => {
    let runIndex = 0;
    await fc.assert(
      fc.asyncProperty(fc.array(operation, { minLength: 4, maxLength: 24, size: "max" }), async (operations) => {
        const run = await startRun(runIndex++);
        for (const op of operations) {
          await runOperation(run, op);
          await audit(run);
        }
      }),
      { numRuns: 40, endOnFailure: true },
    );
  }, 120_000);
});
