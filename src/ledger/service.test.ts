import { sql } from "kysely";
import { beforeAll, describe, expect, it } from "vitest";
import { freshDatabase } from "../../test/support/database.js";
import { listAuditEvents } from "../access/index.js";
import { systemContext } from "../kernel/actor.js";
import { TestClock } from "../kernel/clock.js";
import { inTransaction } from "../kernel/db.js";
import type { Deps } from "../kernel/deps.js";
import { DomainError } from "../kernel/errors.js";
import { newId } from "../kernel/ids.js";
import { Decimal } from "../kernel/money.js";
import {
  type Account,
  clearingAccountFor,
  closePeriod,
  ensureDefaultChart,
  getAccountBalance,
  getEntry,
  listEntries,
  postEntriesBatch,
  postEntry,
  postManualEntry,
  receivableAccountFor,
  reopenPeriod,
  revenueAccountFor,
  reverseEntry,
  trialBalance,
} from "./index.js";

const { db } = await freshDatabase();
const clock = new TestClock("2026-11-23T10:00:00Z");
const deps: Deps = { db, clock };
const ctx = systemContext("ledger_test", "req_ledger_test");
const user = { ...systemContext("x", "req_user"), actor: { type: "user" as const, id: "usr_test", role: "admin" } };

let chart: Awaited<ReturnType<typeof ensureDefaultChart>>;
let customer: Account;

beforeAll(async () => {
  chart = await ensureDefaultChart(deps, "USD");
  customer = await receivableAccountFor(deps, db, newId("customer"), "USD");
});

async function codeOf(run: () => Promise<unknown>): Promise<string> {
  try {
    await run();
  } catch (error) {
    if (error instanceof DomainError) return error.code;
    throw error;
  }
  throw new Error("expected a DomainError");
}

function invoiceEntry(key: string, amount: string, date = "2026-11-20", ar = customer.id) {
  return {
    source_type: "invoice",
    source_id: key,
    idempotency_key: `invoice.finalized:${key}`,
    effective_date: date,
    memo: `Invoice ${key}`,
    lines: [
      { account_id: ar, debit: new Decimal(amount) },
      { account_id: chart.revenue.id, credit: new Decimal(amount) },
    ],
  };
}

async function balanceOf(accountId: string, asOf?: string): Promise<string> {
  return (await getAccountBalance(deps, accountId, asOf)).balance.toFixed(2);
}

describe("the default chart", () => {
  it("is created once, however often it is asked for", async () => {
    const again = await ensureDefaultChart(deps, "USD");
    expect(again.revenue.id).toBe(chart.revenue.id);
    expect(again.tax_payable).toMatchObject({ code: "2100", type: "liability", currency: "USD" });
    const count = await sql<{
      n: string;
    }>`select count(*) as n from ledger_accounts where currency = 'USD' and code not like '%:%'`.execute(db);
    expect(count.rows[0]?.n).toBe(String(Object.keys(chart).length));
  });

  it("gives each customer, gateway and product one sub-account per currency, even when asked at once", async () => {
    const customerId = newId("customer");
    const accounts = await Promise.all(
      Array.from({ length: 5 }, () => inTransaction(db, (tx) => receivableAccountFor(deps, tx, customerId, "EUR"))),
    );
    expect(new Set(accounts.map((account) => account.id)).size).toBe(1);
    expect(accounts[0]).toMatchObject({ code: `1100:${customerId}`, party_type: "customer", party_id: customerId });
    expect((await clearingAccountFor(deps, db, "Stripe", "USD")).code).toBe("1050:stripe");
    const productId = newId("product");
    expect((await revenueAccountFor(deps, db, productId, "USD")).code).toBe(`4000:${productId}`);
  });
});

describe("postEntry", () => {
  it("posts a balanced entry and moves both balances", async () => {
    const before = await balanceOf(chart.revenue.id);
    const entry = await postEntry(deps, ctx, invoiceEntry("inv_a", "120.50"));
    expect(entry).toMatchObject({ source_type: "invoice", effective_date: "2026-11-20", posted_by: "ledger_test" });
    expect(entry.lines.map((line) => [line.account_code, line.debit.toFixed(2), line.credit.toFixed(2)])).toEqual([
      [customer.code, "120.50", "0.00"],
      ["4000", "0.00", "120.50"],
    ]);
    expect(await balanceOf(chart.revenue.id)).toBe(new Decimal(before).plus("120.50").toFixed(2));
    expect(await getEntry(deps, entry.id)).toEqual(entry);
  });

  it("posts the same source event once and returns the first entry", async () => {
    const first = await postEntry(deps, ctx, invoiceEntry("inv_b", "10.00"));
    const balance = await balanceOf(customer.id);
    const second = await postEntry(deps, ctx, { ...invoiceEntry("inv_b", "99.00"), memo: "a retry" });
    expect(second.id).toBe(first.id);
    expect(second.memo).toBe("Invoice inv_b");
    expect(await balanceOf(customer.id)).toBe(balance);
    const count = await sql<{
      n: string;
    }>`select count(*) as n from ledger_entries where idempotency_key = 'invoice.finalized:inv_b'`.execute(db);
    expect(count.rows[0]?.n).toBe("1");
  });

  it("commits and rolls back with the caller's transaction", async () => {
    const balance = await balanceOf(customer.id);
    await expect(
      inTransaction(db, async (tx) => {
        await postEntry(deps, ctx, invoiceEntry("inv_c", "50.00"), tx);
        throw new Error("the invoice failed to save");
      }),
    ).rejects.toThrow("the invoice failed to save");
    expect(await balanceOf(customer.id)).toBe(balance);
    expect((await listEntries(deps, { source_id: "inv_c" }, { limit: 10 })).data).toHaveLength(0);
  });

  it("refuses an unbalanced entry and writes nothing", async () => {
    const input = invoiceEntry("inv_d", "10.00");
    const lines = [input.lines[0], { account_id: chart.revenue.id, credit: new Decimal("9.99") }];
    expect(await codeOf(() => postEntry(deps, ctx, { ...input, lines } as typeof input))).toBe("entry_unbalanced");
    expect((await listEntries(deps, { source_id: "inv_d" }, { limit: 10 })).data).toHaveLength(0);
  });

  it("refuses a line whose account is in another currency", async () => {
    const eur = await ensureDefaultChart(deps, "EUR");
    const input = invoiceEntry("inv_e", "10.00", "2026-11-20", eur.accounts_receivable.id);
    expect(await codeOf(() => postEntry(deps, ctx, input))).toBe("entry_unbalanced");
  });
});

describe("posted entries are immutable, in the database too", () => {
  it("refuses UPDATE and DELETE on entries and lines", async () => {
    const entry = await postEntry(deps, ctx, invoiceEntry("inv_f", "1.00"));
    const attempts = [
      sql`update ledger_lines set debit = 2 where entry_id = ${entry.id} and line_no = 1`,
      sql`delete from ledger_lines where entry_id = ${entry.id}`,
      sql`update ledger_entries set memo = 'changed' where id = ${entry.id}`,
      sql`delete from ledger_entries where id = ${entry.id}`,
      sql`truncate ledger_lines`,
    ];
    for (const attempt of attempts) {
      await expect(attempt.execute(db)).rejects.toThrow(/immutable/);
    }
    expect(await getEntry(deps, entry.id)).toEqual(entry);
  });

  it("refuses to change an account's currency or delete it", async () => {
    await expect(
      sql`update ledger_accounts set currency = 'EUR' where id = ${customer.id}`.execute(db),
    ).rejects.toThrow(/never change/);
    await expect(sql`delete from ledger_accounts where id = ${customer.id}`.execute(db)).rejects.toThrow(
      /never deleted/,
    );
  });
});

describe("the database's own checks", () => {
  it("refuse lines that do not balance, even written by hand", async () => {
    const id = newId("journal_entry");
    await expect(
      inTransaction(db, async (tx) => {
        await sql`insert into ledger_entries (id, idempotency_key, source_type, source_id, effective_date, posted_at, posted_by)
          values (${id}, ${id}, 'manual', ${id}, '2026-11-20', now(), 'psql')`.execute(tx);
        await sql`insert into ledger_lines (entry_id, line_no, account_id, currency, debit, credit, effective_date) values
          (${id}, 1, ${chart.cash.id}, 'USD', 10, 0, '2026-11-20'),
          (${id}, 2, ${chart.revenue.id}, 'USD', 0, 9, '2026-11-20')`.execute(tx);
      }),
    ).rejects.toThrow(/does not balance/);
  });

  it("refuse a posting to an account whose creation rolled back, even one posting has seen", async () => {
    let ghost = "";
    await expect(
      inTransaction(db, async (tx) => {
        ghost = (await receivableAccountFor(deps, tx, newId("customer"), "USD")).id;
        await postEntry(deps, ctx, invoiceEntry("inv_ghost1", "1.00", "2026-11-20", ghost), tx);
        throw new Error("the invoice failed to save");
      }),
    ).rejects.toThrow("the invoice failed to save");
    const error = await postEntry(deps, ctx, invoiceEntry("inv_ghost2", "1.00", "2026-11-20", ghost)).catch(
      (caught: DomainError) => caught,
    );
    expect(error).toMatchObject({ code: "account_not_found", param: "lines.0.account" });
  });

  it("refuse a posting to an account archived since it was last used", async () => {
    const account = await receivableAccountFor(deps, db, newId("customer"), "USD");
    await postEntry(deps, ctx, invoiceEntry("inv_arch1", "1.00", "2026-11-20", account.id));
    await sql`update ledger_accounts set archived = true where id = ${account.id}`.execute(db);
    const input = invoiceEntry("inv_arch2", "1.00", "2026-11-20", account.id);
    const error = await postEntry(deps, ctx, input).catch((caught: DomainError) => caught);
    expect(error).toMatchObject({ code: "account_archived", param: "lines.0.account" });
    const batch = await postEntriesBatch(deps, ctx, [invoiceEntry("inv_arch3", "1.00"), input]).catch(
      (caught: DomainError) => caught,
    );
    expect(batch).toMatchObject({ code: "account_archived", param: "entries.1.lines.0.account" });
  });
});

describe("reversals", () => {
  it("post the mirror image once; a reversal is not reversible", async () => {
    const balance = await balanceOf(customer.id);
    const entry = await postEntry(deps, ctx, invoiceEntry("inv_g", "30.00"));
    const reversal = await reverseEntry(deps, user, entry.id, { effective_date: "2026-11-21" });
    expect(reversal).toMatchObject({
      reverses_entry_id: entry.id,
      source_id: "inv_g",
      memo: `Reversal of ${entry.id}`,
    });
    expect(reversal.lines.map((line) => [line.debit.toFixed(2), line.credit.toFixed(2)])).toEqual([
      ["0.00", "30.00"],
      ["30.00", "0.00"],
    ]);
    expect(await balanceOf(customer.id)).toBe(balance);
    expect(await balanceOf(customer.id, "2026-11-20")).not.toBe(await balanceOf(customer.id, "2026-11-21"));
    expect((await getEntry(deps, entry.id)).reversed_by_entry_id).toBe(reversal.id);
    expect(await codeOf(() => reverseEntry(deps, user, entry.id, { effective_date: "2026-11-22" }))).toBe(
      "entry_already_reversed",
    );
    expect(await codeOf(() => reverseEntry(deps, user, reversal.id, { effective_date: "2026-11-22" }))).toBe(
      "reversal_not_reversible",
    );
  });

  it("of one entry, asked for at once, post one reversal", async () => {
    const entry = await postEntry(deps, ctx, invoiceEntry("inv_h", "5.00"));
    const results = await Promise.allSettled(
      Array.from({ length: 4 }, () => reverseEntry(deps, user, entry.id, { effective_date: "2026-11-21" })),
    );
    expect(results.filter((result) => result.status === "fulfilled")).toHaveLength(1);
    for (const result of results) {
      if (result.status === "rejected") expect((result.reason as DomainError).code).toBe("entry_already_reversed");
    }
  });
});

describe("postEntriesBatch", () => {
  it("ends with the same balances, lines and entries as posting one by one", async () => {
    const single = await ensureDefaultChart(deps, "GBP");
    const batch = await ensureDefaultChart(deps, "CHF");
    const customers = Array.from({ length: 4 }, () => newId("customer"));
    const plan = customers.flatMap((cus, index) =>
      Array.from({ length: 5 }, (_, n) => ({ cus, amount: `${index * 5 + n + 1}.${n}5`, date: `2026-11-1${n}` })),
    );
    const inputsFor = async (currency: string, revenue: string, tag: string) =>
      Promise.all(
        plan.map(async ({ cus, amount, date }, index) => ({
          source_type: "invoice",
          source_id: `inv_${tag}_${index}`,
          idempotency_key: `batch-test:${tag}:${index}`,
          effective_date: date,
          lines: [
            { account_id: (await receivableAccountFor(deps, db, cus, currency)).id, debit: amount },
            { account_id: revenue, credit: amount },
          ],
        })),
      );
    for (const input of await inputsFor("GBP", single.revenue.id, "single")) await postEntry(deps, ctx, input);
    const batchInputs = await inputsFor("CHF", batch.revenue.id, "batch");
    const result = await postEntriesBatch(deps, ctx, batchInputs);
    expect(result).toMatchObject({ posted_count: 20, duplicate_count: 0 });
    const replay = await postEntriesBatch(deps, ctx, batchInputs);
    expect(replay).toEqual({ ...result, posted_count: 0, duplicate_count: 20 });

    for (const asOf of [undefined, "2026-11-11", "2026-11-13"]) {
      const gbp = await trialBalance(deps, { currency: "GBP", as_of: asOf });
      const chf = await trialBalance(deps, { currency: "CHF", as_of: asOf });
      const shape = (trial: typeof gbp) =>
        trial.accounts.map((row) => [row.account.code.split(":")[0], row.debit.toString(), row.credit.toString()]);
      expect(shape(chf)).toEqual(shape(gbp));
      expect(chf.totals[0]?.debit.toString()).toBe(gbp.totals[0]?.debit.toString());
    }
  });

  it("refuses the whole batch when one entry is wrong, naming it", async () => {
    const good = invoiceEntry("inv_i1", "1.00");
    const bad = {
      ...invoiceEntry("inv_i2", "1.00"),
      lines: [{ account_id: customer.id, debit: new Decimal("1.001") }, good.lines[1]],
    };
    const error = await postEntriesBatch(deps, ctx, [good, bad as typeof good]).catch(
      (caught) => caught as DomainError,
    );
    expect(error).toMatchObject({ code: "amount_precision", param: "entries.1.lines.0.debit" });
    expect((await listEntries(deps, { source_id: "inv_i1" }, { limit: 10 })).data).toHaveLength(0);
  });
});

describe("period locks", () => {
  it("close the books, refuse postings dated inside, and reopen with a reason", async () => {
    await postEntry(deps, ctx, invoiceEntry("inv_j", "7.00", "2026-10-15"));
    await closePeriod(deps, user, { through: "2026-09-30" });
    const october = await closePeriod(deps, user, { through: "2026-10-31" });
    expect(october).toMatchObject({ action: "close", through: "2026-10-31", closed_through: "2026-10-31" });
    expect(await codeOf(() => postEntry(deps, ctx, invoiceEntry("inv_k", "1.00", "2026-10-31")))).toBe("period_closed");
    expect(await codeOf(() => closePeriod(deps, user, { through: "2026-10-15" }))).toBe("period_already_closed");
    // A replay of an entry already posted still returns it: nothing new is dated in the closed period.
    expect((await postEntry(deps, ctx, invoiceEntry("inv_j", "7.00", "2026-10-15"))).source_id).toBe("inv_j");
    await postEntry(deps, ctx, invoiceEntry("inv_l", "1.00", "2026-11-01"));

    expect(await codeOf(() => reopenPeriod(deps, user, { reason: " " }))).toBe("reopen_reason_required");
    const reopened = await reopenPeriod(deps, user, { reason: "late credit note for October" });
    expect(reopened).toMatchObject({ action: "reopen", through: "2026-10-31", closed_through: "2026-09-30" });
    await postEntry(deps, ctx, invoiceEntry("inv_k", "1.00", "2026-10-31"));
    expect(await codeOf(() => postEntry(deps, ctx, invoiceEntry("inv_m", "1.00", "2026-09-30")))).toBe("period_closed");
    await reopenPeriod(deps, user, { reason: "open everything for the tests" });
    expect(await codeOf(() => reopenPeriod(deps, user, { reason: "again" }))).toBe("period_not_closed");

    const audit = await listAuditEvents(deps, { limit: 100, object_type: "period_lock" });
    expect(audit.data.map((event) => event.action).sort()).toEqual([
      "ledger.period_closed",
      "ledger.period_closed",
      "ledger.period_reopened",
      "ledger.period_reopened",
    ]);
  });
});

describe("manual entries", () => {
  it("are posted with the audit row and the outbox event in the same transaction", async () => {
    const entry = await postManualEntry(deps, user, {
      effective_date: "2026-11-22",
      memo: "Reclassify a misapplied payment",
      lines: [
        { account: chart.suspense.id, debit: "12.50" },
        { account: chart.cash.id, credit: "12.50" },
      ],
    });
    expect(entry).toMatchObject({ source_type: "manual", source_id: entry.id, posted_by: "usr_test" });
    const audit = await listAuditEvents(deps, { limit: 10, object_type: "journal_entry", object_id: entry.id });
    expect(audit.data[0]).toMatchObject({ action: "ledger.entry_posted", actor_id: "usr_test" });
    const events = await sql<{ type: string }>`select type from outbox_events where data->>'id' = ${entry.id}`.execute(
      db,
    );
    expect(events.rows).toEqual([{ type: "ledger.entry_posted" }]);
  });
});

describe("trialBalance", () => {
  it("balances per currency, now and as of any date", async () => {
    for (const asOf of [undefined, "2026-10-01", "2026-11-20", "2030-01-01"]) {
      const trial = await trialBalance(deps, { as_of: asOf });
      for (const total of trial.totals) expect(total.debit.toString()).toBe(total.credit.toString());
    }
    const current = await trialBalance(deps, { currency: "USD" });
    const revenue = current.accounts.find((row) => row.account.id === chart.revenue.id);
    expect(revenue?.balance.toFixed(2)).toBe(await balanceOf(chart.revenue.id));
  });
});
