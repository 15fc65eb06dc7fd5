import { sql } from "kysely";
import { Temporal } from "temporal-polyfill";
import { describe, expect, it } from "vitest";
import { freshDatabase } from "../../test/support/database.js";
import { createCustomer, insertTestClock, testClockDeps } from "../customers/index.js";
import { systemContext } from "../kernel/actor.js";
import { TestClock } from "../kernel/clock.js";
import { inTransaction } from "../kernel/db.js";
import { newId } from "../kernel/ids.js";
import {
  closePeriod,
  ensureDefaultChart,
  listEntries,
  postEntry,
  receivableAccountFor,
  trialBalance,
} from "../ledger/index.js";

/**
 * A test clock is its own ledger book: postings on the clock's time land in
 * accounts of that book, the live reports never show them, the live period
 * close does not bind them, and only the clock's deletion removes them.
 */

const { db } = await freshDatabase();
const live = { db, clock: new TestClock("2026-11-23T12:00:00Z") };
const ctx = systemContext("book-test", "req_book_test");
const clockId = newId("test_clock");
await insertTestClock(db, {
  id: clockId,
  name: "book",
  frozen_time: Temporal.Instant.from("2026-03-01T00:00:00Z"),
  at: live.clock.now(),
});
const onClock = testClockDeps(live, { id: clockId, frozen_time: Temporal.Instant.from("2026-03-01T00:00:00Z") });

const liveChart = await ensureDefaultChart(live, "USD");
const bookChart = await ensureDefaultChart(onClock, "USD");

function sale(chart: typeof liveChart, key: string, date: string) {
  return {
    source_type: "manual",
    source_id: key,
    idempotency_key: key,
    effective_date: date,
    lines: [
      { account_id: chart.accounts_receivable.id, debit: "100.00" },
      { account_id: chart.revenue.id, credit: "100.00" },
    ],
  };
}

describe("a test clock's ledger book", () => {
  it("keeps a chart of its own beside the live one", () => {
    expect(bookChart.revenue.id).not.toBe(liveChart.revenue.id);
    expect(bookChart.revenue.code).toBe(liveChart.revenue.code);
  });

  it("posts on the clock's dates even when the live period is closed, and reports apart", async () => {
    await postEntry(live, ctx, sale(liveChart, "live-1", "2026-11-01"));
    await closePeriod(live, { ...ctx, reason: "month end" }, { through: "2026-10-31" });
    await expect(postEntry(live, ctx, sale(liveChart, "live-2", "2026-03-01"))).rejects.toMatchObject({
      code: "period_closed",
    });
    const posted = await postEntry(onClock, ctx, sale(bookChart, "clock-1", "2026-03-01"));
    expect(posted.id).toMatch(/^je_/);

    const liveReport = await trialBalance(live);
    const bookReport = await trialBalance(live, { test_clock: clockId });
    expect(liveReport.accounts.map((row) => row.account.id)).not.toContain(bookChart.revenue.id);
    expect(bookReport.accounts.map((row) => row.account.id)).toContain(bookChart.revenue.id);

    const page = { limit: 10 };
    expect((await listEntries(live, {}, page)).data.map((entry) => entry.id)).not.toContain(posted.id);
    expect((await listEntries(live, { test_clock: clockId }, page)).data.map((entry) => entry.id)).toEqual([posted.id]);
    // Looked up by its source, an entry is found whatever its book.
    expect((await listEntries(live, { source_id: "clock-1" }, page)).data.map((entry) => entry.id)).toEqual([
      posted.id,
    ]);
  });

  it("refuses an entry that mixes the two books", async () => {
    const mixed = {
      ...sale(liveChart, "mixed", "2026-11-02"),
      lines: [
        { account_id: liveChart.accounts_receivable.id, debit: "1.00" },
        { account_id: bookChart.revenue.id, credit: "1.00" },
      ],
    };
    await expect(postEntry(live, ctx, mixed)).rejects.toThrow(/never mixes/);
  });

  it("refuses to post a test-clock customer's money in the live book", async () => {
    const customer = await createCustomer(live, ctx, {
      legal_name: "On the clock",
      currency: "USD",
      test_clock: clockId,
    });
    const wrongBook = await receivableAccountFor(live, db, customer.id, "USD");
    const entry = {
      ...sale(liveChart, "wrong-book", "2026-11-03"),
      lines: [
        { account_id: wrongBook.id, debit: "5.00" },
        { account_id: liveChart.revenue.id, credit: "5.00" },
      ],
    };
    await expect(postEntry(live, ctx, entry)).rejects.toThrow(/belong in its clock's book/);
    const rightBook = await receivableAccountFor(onClock, db, customer.id, "USD");
    const posted = await postEntry(onClock, ctx, {
      ...entry,
      idempotency_key: "right-book",
      lines: [
        { account_id: rightBook.id, debit: "5.00" },
        { account_id: bookChart.revenue.id, credit: "5.00" },
      ],
    });
    expect(posted.id).toMatch(/^je_/);
  });

  it("deletes only the clock's book, and only through its deletion path", async () => {
    // Outside the deletion path a test-clock entry is as immutable as a live one.
    await expect(sql`delete from ledger_entries where test_clock_id = ${clockId}`.execute(db)).rejects.toThrow(
      /immutable/,
    );
    // The path opens the book being deleted only: a live entry stays refused within it.
    await expect(
      inTransaction(db, async (tx) => {
        await sql`select set_config('accrue.deleting_test_clock', ${clockId}, true)`.execute(tx);
        await sql`delete from ledger_entries where test_clock_id is null`.execute(tx);
      }),
    ).rejects.toThrow(/immutable/);
    await sql`select ledger_delete_test_clock_book(${clockId})`.execute(db);
    const left = await sql<{ n: string }>`
      select count(*) as n from ledger_accounts where test_clock_id = ${clockId}`.execute(db);
    expect(Number(left.rows[0]?.n)).toBe(0);
    const liveReport = await trialBalance(live);
    const receivable = liveReport.accounts.find((row) => row.account.id === liveChart.accounts_receivable.id);
    expect(receivable?.debit.toString()).toBe("100"); // the live sale, untouched
  });
});
