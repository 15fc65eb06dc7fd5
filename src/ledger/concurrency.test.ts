import { sql } from "kysely";
import { describe, expect, it } from "vitest";
import { freshDatabase } from "../../test/support/database.js";
import { systemContext } from "../kernel/actor.js";
import { TestClock } from "../kernel/clock.js";
import { inTransaction } from "../kernel/db.js";
import type { Deps } from "../kernel/deps.js";
import { DomainError } from "../kernel/errors.js";
import { newId } from "../kernel/ids.js";
import { Decimal } from "../kernel/money.js";
import {
  closePeriod,
  ensureDefaultChart,
  getAccountBalance,
  postEntriesBatch,
  postEntry,
  receivableAccountFor,
  reopenPeriod,
  trialBalance,
} from "./index.js";

const { db } = await freshDatabase({ poolSize: 20 });
const deps: Deps = { db, clock: new TestClock("2026-11-23T10:00:00Z") };
const ctx = systemContext("concurrency_test", "req_concurrency");
const chart = await ensureDefaultChart(deps, "USD");
const customers = await Promise.all(
  Array.from({ length: 3 }, () => receivableAccountFor(deps, db, newId("customer"), "USD")),
);

function sale(key: string, amount: string, date: string, customer = 0) {
  return {
    source_type: "invoice",
    source_id: key,
    idempotency_key: key,
    effective_date: date,
    lines: [
      { account_id: customers[customer % customers.length]?.id as string, debit: new Decimal(amount) },
      { account_id: chart.revenue.id, credit: new Decimal(amount) },
    ],
  };
}

async function balance(accountId: string, asOf?: string): Promise<string> {
  return (await getAccountBalance(deps, accountId, asOf)).balance.toFixed(2);
}

/** The kept balances agree with the lines they summarise, for every account. */
async function balancesMatchLines(): Promise<void> {
  const drift = await sql<{ account_id: string }>`
    select coalesce(b.account_id, l.account_id) as account_id
    from (select account_id, sum(debit) d, sum(credit) c from ledger_balances group by account_id) b
    full join (select account_id, sum(debit) d, sum(credit) c from ledger_lines group by account_id) l
      on l.account_id = b.account_id
    where b.d is distinct from l.d or b.c is distinct from l.c`.execute(db);
  expect(drift.rows).toEqual([]);
}

describe("concurrent postings", () => {
  it("50 at once against the same accounts leave balances exact to the cent", async () => {
    const revenueBefore = new Decimal(await balance(chart.revenue.id));
    // Amounts 0.01, 1.02, 2.03 … 49.50: a lost update of any one shows in the cents.
    const amounts = Array.from({ length: 50 }, (_, index) => new Decimal(index).plus(new Decimal(index + 1).div(100)));
    const results = await Promise.all(
      amounts.map((amount, index) =>
        postEntry(deps, ctx, sale(`concurrent:${index}`, amount.toFixed(2), "2026-11-20", index)),
      ),
    );
    expect(new Set(results.map((entry) => entry.id)).size).toBe(50);
    const total = amounts.reduce((sum, amount) => sum.plus(amount), new Decimal(0));
    expect(total.toFixed(2)).toBe("1237.75"); // Σ i for i < 50 = 1225.00, plus Σ k/100 for k ≤ 50 = 12.75
    expect(await balance(chart.revenue.id)).toBe(revenueBefore.plus(total).toFixed(2));
    const perCustomer = customers.map((_, c) =>
      amounts.filter((_, index) => index % customers.length === c).reduce((sum, a) => sum.plus(a), new Decimal(0)),
    );
    for (const [c, customer] of customers.entries()) {
      expect(await balance(customer.id)).toBe(perCustomer[c]?.toFixed(2));
    }
    await balancesMatchLines();
  });

  it("inside callers' own transactions, mixed with batches, still add up", async () => {
    const before = new Decimal(await balance(chart.revenue.id));
    const singles = Array.from({ length: 20 }, (_, index) =>
      inTransaction(db, async (tx) => {
        await postEntry(deps, ctx, sale(`in-tx:${index}`, "1.10", "2026-11-21", index), tx);
        // The caller keeps its transaction open a little after posting, as an invoice save would.
        await sql`select pg_sleep(0.01)`.execute(tx);
      }),
    );
    const batches = Array.from({ length: 4 }, (_, batch) =>
      postEntriesBatch(
        deps,
        ctx,
        Array.from({ length: 25 }, (_, index) => sale(`batch:${batch}:${index}`, "0.30", "2026-11-21", index)),
      ),
    );
    await Promise.all([...singles, ...batches]);
    // 20 × 1.10 + 4 × 25 × 0.30 = 22.00 + 30.00
    expect(await balance(chart.revenue.id)).toBe(before.plus("52.00").toFixed(2));
    await balancesMatchLines();
  });

  it("the same idempotency key posted 10 times at once posts one entry", async () => {
    const before = await balance(customers[0]?.id as string);
    const results = await Promise.all(
      Array.from({ length: 10 }, () => postEntry(deps, ctx, sale("same-key", "3.33", "2026-11-22"))),
    );
    expect(new Set(results.map((entry) => entry.id)).size).toBe(1);
    expect(await balance(customers[0]?.id as string)).toBe(new Decimal(before).plus("3.33").toFixed(2));
  });
});

describe("a period close racing postings", () => {
  it("either includes a posting or makes it fail with period_closed, never neither", async () => {
    const date = "2026-10-15";
    let completed = 0;
    let close: Promise<unknown> | undefined;
    // Four callers post one after another; the close starts once ten postings are in, while the rest are in flight.
    const worker = async (caller: number) => {
      const outcomes: ("posted" | "refused")[] = [];
      for (let index = 0; index < 15; index++) {
        try {
          await postEntry(deps, ctx, sale(`race:${caller}:${index}`, "1.00", date, index));
          outcomes.push("posted");
        } catch (error) {
          if (!(error instanceof DomainError) || error.code !== "period_closed") throw error;
          outcomes.push("refused");
        }
        completed++;
        if (completed === 10) close = closePeriod(deps, ctx, { through: "2026-10-31" });
      }
      return outcomes;
    };
    const outcomes = (await Promise.all([0, 1, 2, 3].map(worker))).flat();
    await close;
    const posted = outcomes.filter((outcome) => outcome === "posted").length;
    expect(posted).toBeGreaterThanOrEqual(10);
    expect(outcomes.filter((outcome) => outcome === "refused").length).toBeGreaterThan(0);
    // What the close saw is what is there: October holds exactly the postings that succeeded.
    expect(await balance(chart.revenue.id, "2026-10-31")).toBe(new Decimal(posted).toFixed(2));
    await reopenPeriod(deps, ctx, { reason: "end of test" });
  });

  it("a posting that holds its transaction open delays the close, and is included in it", async () => {
    let releasePosting: () => void = () => {};
    const held = new Promise<void>((resolve) => {
      releasePosting = resolve;
    });
    let posted = false;
    const posting = inTransaction(db, async (tx) => {
      await postEntry(deps, ctx, sale("held-open", "2.00", "2026-09-10"), tx);
      await held;
      posted = true;
    });
    await new Promise((resolve) => setTimeout(resolve, 50));
    let closed = false;
    const close = closePeriod(deps, ctx, { through: "2026-09-30" }).then(() => {
      closed = true;
    });
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(closed).toBe(false); // the close waits for the posting in flight
    releasePosting();
    await Promise.all([posting, close]);
    expect(posted && closed).toBe(true);
    expect(await balance(chart.revenue.id, "2026-09-30")).toBe("2.00");
    const trial = await trialBalance(deps, { as_of: "2026-09-30" });
    for (const total of trial.totals) expect(total.debit.eq(total.credit)).toBe(true);
    await reopenPeriod(deps, ctx, { reason: "end of test" });
  });

  it("a repeatable-read caller whose snapshot predates a close cannot post into the closed period", async () => {
    let attempts = 0;
    const outcome = await inTransaction(
      db,
      async (tx) => {
        attempts++;
        await sql`select count(*) from ledger_entries`.execute(tx); // the snapshot is taken here
        if (attempts === 1) await closePeriod(deps, ctx, { through: "2026-08-31" });
        return postEntry(deps, ctx, sale("stale-snapshot", "4.00", "2026-08-15"), tx);
      },
      { isolation: "repeatable read" },
    ).catch((error: DomainError) => error.code);
    // The first attempt fails with a serialization error (retried); the retry sees the close.
    expect(attempts).toBe(2);
    expect(outcome).toBe("period_closed");
    expect(await balance(chart.revenue.id, "2026-08-31")).toBe("0.00");
  });
});
