import { sql } from "kysely";
import { describe, expect, it } from "vitest";
import { freshDatabase } from "../../test/support/database.js";
import { TestClock } from "../kernel/clock.js";
import { trialBalance } from "../ledger/index.js";
import { databaseIsEmpty, seedDemo } from "./seed.js";

/**
 * The demo company is a year of real use replayed through the services, so it
 * must leave what real use leaves: one invoice per subscription period with no
 * gaps, gapless invoice numbers, a balanced ledger, and the same story for the
 * same seed.
 */

const { db } = await freshDatabase();
const deps = { db, clock: new TestClock("2026-11-23T09:30:00Z") };
const summary = await seedDemo(deps, { customers: 8 });

async function query<T>(text: string): Promise<T[]> {
  return (await sql<T>`${sql.raw(text)}`.execute(db)).rows;
}

describe("accrue demo seed", () => {
  it("builds a year of customers, subscriptions and invoices ending now", async () => {
    expect(summary).toMatchObject({ customers: 8, subscriptions: 8, from: "2025-11-23T00:00:00Z" });
    expect(summary.to).toBe("2026-11-23T09:30:00Z");
    // Monthly seats for most of a year: far more invoices than customers.
    expect(summary.invoices_finalized).toBeGreaterThan(8 * 4);
    const [counts] = await query<{ open: string; draft: string }>(
      "select count(*) filter (where status = 'open') as open, count(*) filter (where status = 'draft') as draft from invoices",
    );
    expect(Number(counts?.open)).toBe(summary.invoices_finalized);
    expect(Number(counts?.draft)).toBeGreaterThanOrEqual(summary.drafts_open);
    expect(await databaseIsEmpty(deps)).toBe(false);
  });

  it("invoices every subscription period once, with no gap, in order", async () => {
    const gaps = await query<{ subscription_id: string }>(`
      select subscription_id from invoices where subscription_id is not null
      group by subscription_id
      having count(*) <> max(period_index) - min(period_index) + 1 or count(distinct period_index) <> count(*)`);
    expect(gaps).toEqual([]);
  });

  it("numbers finalized invoices without a gap", async () => {
    const [series] = await query<{ n: string; first: string; last: string }>(
      "select count(*) as n, min(number) as first, max(number) as last from invoices where number like 'INV-2026-%'",
    );
    const n = Number(series?.n);
    expect(n).toBeGreaterThan(0);
    expect(series?.first).toBe("INV-2026-000001");
    expect(series?.last).toBe(`INV-2026-${String(n).padStart(6, "0")}`);
  });

  it("leaves a balanced ledger whose receivables equal the open invoices", async () => {
    const balance = await trialBalance(deps);
    for (const total of balance.totals) expect(total.debit.toString()).toBe(total.credit.toString());
    const receivable = await query<{ currency: string; amount: string }>(`
      select a.currency, sum(b.debit - b.credit)::text as amount
      from ledger_accounts a join ledger_balances b on b.account_id = a.id
      where a.code like '1100:%' group by a.currency order by a.currency`);
    const open = await query<{ currency: string; amount: string }>(
      "select currency, sum(amount_due)::text as amount from invoices where status = 'open' group by currency order by currency",
    );
    expect(receivable.map((row) => [row.currency, Number(row.amount)])).toEqual(
      open.map((row) => [row.currency, Number(row.amount)]),
    );
  });

  it("prices with the rate table and coupons, issues some credit notes, and leaves a sandbox test clock", async () => {
    const [taxed] = await query<{ n: string }>("select count(*) as n from invoices where tax > 0");
    expect(Number(taxed?.n)).toBeGreaterThan(0);
    const [clock] = await query<{ customers: string }>(
      `select count(*) as customers from customers where test_clock = '${summary.test_clock}'`,
    );
    expect(Number(clock?.customers)).toBe(3);
    const [notes] = await query<{ n: string }>("select count(*) as n from credit_notes where status = 'issued'");
    expect(Number(notes?.n)).toBe(summary.credit_notes);
  });

  it("bills as a Berlin GmbH: every finalized invoice carries that seller", async () => {
    const [entity] = await query<{ legal_name: string; city: string }>(
      "select legal_name, address->>'city' as city from legal_entities where id = 'default'",
    );
    expect(entity).toEqual({ legal_name: "Accrue Demo GmbH", city: "Berlin" });
    const sellers = await query<{ legal_name: string; vat: string }>(
      "select distinct seller->>'legal_name' as legal_name, seller->'tax_ids'->0->>'value' as vat from invoices where status <> 'draft'",
    );
    expect(sellers).toEqual([{ legal_name: "Accrue Demo GmbH", vat: "DE123456789" }]);
  });

  it("refuses a database that already has customers", async () => {
    await expect(seedDemo(deps, { customers: 2 })).rejects.toMatchObject({ code: "demo_not_empty" });
  });

  it("tells the same story for the same seed", async () => {
    const other = await freshDatabase();
    const again = await seedDemo({ db: other.db, clock: new TestClock("2026-11-23T09:30:00Z") }, { customers: 8 });
    // Everything but the sandbox clock's id (ids are random).
    expect({ ...again, test_clock: "" }).toEqual({ ...summary, test_clock: "" });
  });
});
