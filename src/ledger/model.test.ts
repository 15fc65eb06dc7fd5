import { describe, expect, it } from "vitest";
import { DomainError } from "../kernel/errors.js";
import { Decimal } from "../kernel/money.js";
import { parseAccountCode, receivableSpec } from "./chart.js";
import {
  type AccountFacts,
  type AccountType,
  buildTrialBalance,
  checkClose,
  checkReopen,
  checkReversible,
  type EntryInput,
  mirroredLines,
  normalSideOf,
  prepareEntry,
  signedBalance,
} from "./model.js";

const account = (id: string, currency: string, type: AccountType = "asset", archived = false): AccountFacts => ({
  id,
  code: id.toUpperCase(),
  name: id,
  type,
  currency,
  archived,
});

const accounts = new Map(
  [
    account("ar_usd", "USD"),
    account("rev_usd", "USD", "revenue"),
    account("tax_usd", "USD", "liability"),
    account("ar_eur", "EUR"),
    account("rev_eur", "EUR", "revenue"),
    account("ar_jpy", "JPY"),
    account("rev_jpy", "JPY", "revenue"),
    account("ar_bhd", "BHD"),
    account("rev_bhd", "BHD", "revenue"),
    account("old_usd", "USD", "asset", true),
  ].map((facts) => [facts.id, facts]),
);

type Line = EntryInput["lines"][number];
const dr = (account_id: string, amount: string): Line => ({ account_id, debit: amount });
const cr = (account_id: string, amount: string): Line => ({ account_id, credit: amount });

function entry(lines: Line[], effective_date = "2026-11-20"): EntryInput {
  return { source_type: "invoice", source_id: "inv_1", idempotency_key: "k1", effective_date, lines };
}

function failure(run: () => unknown): { code: string; param: string | undefined } {
  try {
    run();
  } catch (error) {
    if (error instanceof DomainError) return { code: error.code, param: error.param };
    throw error;
  }
  throw new Error("expected a DomainError");
}

describe("prepareEntry accepts", () => {
  const cases: { name: string; lines: Line[]; totals: Record<string, string> }[] = [
    { name: "two lines", lines: [dr("ar_usd", "100.00"), cr("rev_usd", "100.00")], totals: { USD: "100" } },
    {
      name: "invoice with tax", // 110.00 = 100.00 revenue + 10.00 tax
      lines: [dr("ar_usd", "110.00"), cr("rev_usd", "100.00"), cr("tax_usd", "10.00")],
      totals: { USD: "110" },
    },
    {
      name: "two currencies, each balanced on its own",
      lines: [dr("ar_usd", "5.00"), cr("rev_usd", "5.00"), dr("ar_eur", "7.25"), cr("rev_eur", "7.25")],
      totals: { USD: "5", EUR: "7.25" },
    },
    { name: "JPY has no minor unit", lines: [dr("ar_jpy", "1000"), cr("rev_jpy", "1000")], totals: { JPY: "1000" } },
    { name: "BHD has three", lines: [dr("ar_bhd", "1.250"), cr("rev_bhd", "1.250")], totals: { BHD: "1.25" } },
    {
      name: "Decimal amounts from other modules",
      lines: [dr("ar_usd", "0.01"), cr("rev_usd", "0.01")],
      totals: { USD: "0.01" },
    },
  ];
  it.each(cases)("$name", ({ lines, totals }) => {
    const prepared = prepareEntry(entry(lines), accounts, null);
    expect(prepared.lines).toHaveLength(lines.length);
    const byCurrency: Record<string, string> = {};
    for (const line of prepared.lines) {
      byCurrency[line.currency] = new Decimal(byCurrency[line.currency] ?? 0).plus(line.debit).toString();
    }
    expect(byCurrency).toEqual(totals);
  });

  it("takes each line's currency from its account", () => {
    const prepared = prepareEntry(entry([dr("ar_eur", "1.00"), cr("rev_eur", "1.00")]), accounts, null);
    expect(prepared.lines.map((line) => line.currency)).toEqual(["EUR", "EUR"]);
  });
});

describe("prepareEntry refuses", () => {
  const cases: { name: string; input: EntryInput; closed?: string; code: string; param?: string }[] = [
    {
      name: "debits ≠ credits", // 100.00 ≠ 99.99
      input: entry([dr("ar_usd", "100.00"), cr("rev_usd", "99.99")]),
      code: "entry_unbalanced",
      param: "lines",
    },
    {
      name: "currencies netted against each other", // 5 USD + 5 EUR debits, 10 USD credit: balanced in sum, not per currency
      input: entry([dr("ar_usd", "5.00"), dr("ar_eur", "5.00"), cr("rev_usd", "10.00")]),
      code: "entry_unbalanced",
    },
    { name: "one line", input: entry([dr("ar_usd", "1.00")]), code: "entry_lines_too_few", param: "lines" },
    {
      name: "a third decimal in USD",
      input: entry([dr("ar_usd", "1.005"), cr("rev_usd", "1.005")]),
      code: "amount_precision",
      param: "lines.0.debit",
    },
    {
      name: "decimals in JPY",
      input: entry([dr("ar_jpy", "10"), cr("rev_jpy", "10.5"), dr("ar_jpy", "0.5")]),
      code: "amount_precision",
      param: "lines.1.credit",
    },
    {
      name: "a zero line",
      input: entry([dr("ar_usd", "0"), cr("rev_usd", "0")]),
      code: "line_side_invalid",
      param: "lines.0.debit",
    },
    {
      name: "a negative line",
      input: entry([dr("ar_usd", "-1.00"), cr("rev_usd", "-1.00")]),
      code: "line_side_invalid",
    },
    {
      name: "both sides on one line",
      input: entry([{ account_id: "ar_usd", debit: "1.00", credit: "1.00" }, cr("rev_usd", "1.00")]),
      code: "line_side_invalid",
      param: "lines.0",
    },
    {
      name: "neither side",
      input: entry([{ account_id: "ar_usd" }, cr("rev_usd", "1.00")]),
      code: "line_side_invalid",
    },
    {
      name: "amount in exponent form",
      input: entry([dr("ar_usd", "1e3"), cr("rev_usd", "1000")]),
      code: "invalid_amount",
    },
    {
      name: "an amount past 10^18",
      input: entry([dr("ar_usd", "1000000000000000000"), cr("rev_usd", "1000000000000000000")]),
      code: "amount_out_of_range",
    },
    {
      name: "an unknown account",
      input: entry([dr("nope", "1.00"), cr("rev_usd", "1.00")]),
      code: "account_not_found",
      param: "lines.0.account",
    },
    {
      name: "an archived account",
      input: entry([dr("old_usd", "1.00"), cr("rev_usd", "1.00")]),
      code: "account_archived",
    },
    {
      name: "a date in the closed period",
      input: entry([dr("ar_usd", "1.00"), cr("rev_usd", "1.00")], "2026-10-31"),
      closed: "2026-10-31",
      code: "period_closed",
      param: "effective_date",
    },
    {
      name: "an impossible date",
      input: entry([dr("ar_usd", "1.00"), cr("rev_usd", "1.00")], "2026-02-30"),
      code: "invalid_date",
    },
    {
      name: "an empty idempotency key",
      input: { ...entry([dr("ar_usd", "1.00"), cr("rev_usd", "1.00")]), idempotency_key: "" },
      code: "entry_key_invalid",
    },
    {
      name: "a source type that is not snake_case",
      input: { ...entry([dr("ar_usd", "1.00"), cr("rev_usd", "1.00")]), source_type: "Invoice" },
      code: "source_invalid",
    },
  ];
  it.each(cases)("$name → $code", ({ input, closed, code, param }) => {
    const error = failure(() => prepareEntry(input, accounts, closed ?? null));
    expect(error.code).toBe(code);
    if (param !== undefined) expect(error.param).toBe(param);
  });

  it("accepts the day after the closed date", () => {
    const input = entry([dr("ar_usd", "1.00"), cr("rev_usd", "1.00")], "2026-11-01");
    expect(prepareEntry(input, accounts, "2026-10-31").effective_date).toBe("2026-11-01");
  });
});

describe("normal balance side", () => {
  const cases: { type: AccountType; side: "debit" | "credit"; balance: string }[] = [
    { type: "asset", side: "debit", balance: "70" }, // 100 debit − 30 credit
    { type: "expense", side: "debit", balance: "70" },
    { type: "liability", side: "credit", balance: "-70" }, // 30 credit − 100 debit: a liability in debit
    { type: "equity", side: "credit", balance: "-70" },
    { type: "revenue", side: "credit", balance: "-70" },
  ];
  it.each(cases)("$type is $side-normal", ({ type, side, balance }) => {
    expect(normalSideOf(type)).toBe(side);
    expect(signedBalance(type, new Decimal(100), new Decimal(30)).toString()).toBe(balance);
  });
});

describe("reversals", () => {
  const posted = prepareEntry(
    entry([dr("ar_usd", "110.00"), cr("rev_usd", "100.00"), cr("tax_usd", "10.00")]),
    accounts,
    null,
  );

  it("mirror every line onto the other side", () => {
    const mirrored = prepareEntry(entry(mirroredLines(posted.lines)), accounts, null);
    expect(mirrored.lines.map((line) => [line.account_id, line.debit.toString(), line.credit.toString()])).toEqual([
      ["ar_usd", "0", "110"],
      ["rev_usd", "100", "0"],
      ["tax_usd", "10", "0"],
    ]);
    // An entry and its reversal net to nothing on every account.
    for (const line of posted.lines) {
      const both = [...posted.lines, ...mirrored.lines].filter((other) => other.account_id === line.account_id);
      const net = both.reduce((sum, other) => sum.plus(other.debit).minus(other.credit), new Decimal(0));
      expect(net.isZero()).toBe(true);
    }
  });

  it("happen once, and never to a reversal", () => {
    const base = { id: "je_1", lines: posted.lines };
    expect(() => checkReversible({ ...base, reverses_entry_id: null, reversed_by_entry_id: null })).not.toThrow();
    expect(
      failure(() => checkReversible({ ...base, reverses_entry_id: null, reversed_by_entry_id: "je_2" })).code,
    ).toBe("entry_already_reversed");
    expect(
      failure(() => checkReversible({ ...base, reverses_entry_id: "je_0", reversed_by_entry_id: null })).code,
    ).toBe("reversal_not_reversible");
  });
});

describe("buildTrialBalance", () => {
  it("adds up per currency and gives each account its signed balance", () => {
    const trial = buildTrialBalance(
      [
        { account: account("ar_usd", "USD"), debit: new Decimal(110), credit: new Decimal(20) },
        { account: account("rev_usd", "USD", "revenue"), debit: new Decimal(0), credit: new Decimal(90) },
        { account: account("ar_eur", "EUR"), debit: new Decimal(5), credit: new Decimal(0) },
        { account: account("rev_eur", "EUR", "revenue"), debit: new Decimal(0), credit: new Decimal(5) },
      ],
      "2026-11-30",
    );
    expect(trial.accounts.map((row) => row.balance.toString())).toEqual(["90", "90", "5", "5"]);
    expect(trial.totals.map((total) => [total.currency, total.debit.toString(), total.credit.toString()])).toEqual([
      ["EUR", "5", "5"],
      ["USD", "110", "110"], // debits 110 + 0; credits 20 + 90
    ]);
  });

  it("asserts that every currency balances", () => {
    expect(() =>
      buildTrialBalance([{ account: account("ar_usd", "USD"), debit: new Decimal(1), credit: new Decimal(0) }], null),
    ).toThrow(/trial balance in USD is off/);
  });
});

describe("period locks", () => {
  it("close forward only", () => {
    expect(() => checkClose({ closed_through: null, lock_id: null }, "2026-10-31")).not.toThrow();
    expect(() => checkClose({ closed_through: "2026-10-31", lock_id: "plock_1" }, "2026-11-30")).not.toThrow();
    expect(failure(() => checkClose({ closed_through: "2026-10-31", lock_id: "plock_1" }, "2026-10-31")).code).toBe(
      "period_already_closed",
    );
  });

  it("reopen needs a reason and a closed period", () => {
    expect(failure(() => checkReopen({ closed_through: "2026-10-31", lock_id: "plock_1" }, "  ")).code).toBe(
      "reopen_reason_required",
    );
    expect(failure(() => checkReopen({ closed_through: null, lock_id: null }, "late invoice")).code).toBe(
      "period_not_closed",
    );
    expect(checkReopen({ closed_through: "2026-10-31", lock_id: "plock_1" }, " late invoice ")).toBe("late invoice");
  });
});

describe("account codes", () => {
  it.each(["1100", "4000", "9000123", "AR-100", "1100:cus_01h455vb4pex5vsknk084sn02q", "1050:stripe"])(
    "accepts %s",
    (code) => {
      expect(parseAccountCode(code)).toBe(code);
    },
  );
  it.each(["", " 1100", "1100:", ":x", "11 00", "1100:a:b"])("refuses %j", (code) => {
    expect(failure(() => parseAccountCode(code)).code).toBe("account_code_invalid");
  });
  it("gives a customer's receivable the control account's code and the customer id", () => {
    expect(receivableSpec("cus_01h455vb4pex5vsknk084sn02q")).toMatchObject({
      code: "1100:cus_01h455vb4pex5vsknk084sn02q",
      type: "asset",
      party_type: "customer",
    });
  });
});
