import { sql } from "kysely";
import { Temporal } from "temporal-polyfill";
import { describe, expect, it } from "vitest";
import { freshDatabase } from "../../test/support/database.js";
import { TestClock } from "../kernel/clock.js";
import { Decimal } from "../kernel/money.js";
import { trialBalance } from "../ledger/index.js";
import { explainInvoiceLine, listRejections, usageReconciliation } from "../usage/index.js";
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
  }, 180_000);
});

describe("the warehouse business line (3PL)", () => {
  interface UsageInvoice {
    id: string;
    customer_id: string;
    external_id: string;
    status: string;
    period_start: Date;
    period_end: Date;
    usage_lines: string;
  }
  /** Each 3PL invoice with its period (the warehouse account fee line's) and how many usage lines it carries. */
  const usageInvoices = () =>
    query<UsageInvoice>(`
      select i.id, i.customer_id, c.external_id, i.status, min(l.period_start) as period_start,
             max(l.period_end) as period_end, count(*) filter (where l.source_id like 'usage:%') as usage_lines
        from invoices i join customers c on c.id = i.customer_id join invoice_lines l on l.invoice_id = i.id
       where c.external_id like 'wms-cust-%'
       group by i.id, c.external_id order by c.external_id, min(l.period_start)`);
  const reconcile = async (invoice: UsageInvoice) =>
    (
      await usageReconciliation(deps, {
        customer: invoice.customer_id,
        period_start: Temporal.Instant.fromEpochMilliseconds(invoice.period_start.getTime()),
        period_end: Temporal.Instant.fromEpochMilliseconds(invoice.period_end.getTime()),
      })
    ).data[0];

  it("bills six clients three months each: two finalized, the last a draft, every one with usage lines", async () => {
    expect(summary.warehouse).toMatchObject({ clients: 6, duplicates: 3, rejected: 1 });
    expect(summary.warehouse.events_accepted).toBeGreaterThan(5_000);
    const invoices = await usageInvoices();
    expect(invoices).toHaveLength(18);
    for (const client of new Set(invoices.map((invoice) => invoice.external_id))) {
      const own = invoices.filter((invoice) => invoice.external_id === client);
      expect(own.map((invoice) => invoice.status)).toEqual(["open", "open", "draft"]);
      for (const invoice of own) expect(Number(invoice.usage_lines)).toBeGreaterThan(5);
    }
  });

  it("explains every usage line of a finalized invoice as charges whose exact sum rounds to the line", async () => {
    const [invoice] = await usageInvoices();
    const lines = await query<{ id: string; amount: string }>(
      `select id, amount::text from invoice_lines where invoice_id = '${invoice?.id}' and source_id like 'usage:%'`,
    );
    expect(lines.length).toBeGreaterThan(5);
    for (const line of lines) {
      const explained = await explainInvoiceLine(deps, line.id, { limit: 1 });
      if (explained.kind !== "rated_usage") throw new Error(`line ${line.id} explained as ${explained.kind}`);
      expect(explained.arithmetic.matches).toBe(true);
      // The charges are exact; the line is their sum rounded once, so the two are within half a cent.
      expect(explained.arithmetic.sum_of_charges_rounded).toBe(new Decimal(line.amount).toFixed(2));
      expect(new Decimal(explained.arithmetic.sum_of_charges).minus(line.amount).abs().lte("0.005")).toBe(true);
    }
  });

  it("reconciles each client-month: received = rated + unrated + duplicates, rated = invoiced", async () => {
    for (const invoice of await usageInvoices()) {
      const report = await reconcile(invoice);
      const { events, amounts } = report ?? ({} as never);
      expect(events.received).toBe(events.rated + events.unrated + events.duplicates);
      expect(events.not_rated_yet).toBe(0);
      expect(amounts.not_invoiced).toBe("0.00");
      const invoiced = invoice.status === "draft" ? amounts.on_drafts : amounts.invoiced_finalized;
      expect(invoiced).toBe(amounts.rated);
    }
  });

  it("keeps the twice-sent events, the unrated snapshot and the unknown client in the reports", async () => {
    const drafts = (await usageInvoices()).filter((invoice) => invoice.status === "draft");
    // The first client's WMS sent three events of the month again: counted, billed once.
    const first = await reconcile(drafts[0] as UsageInvoice);
    expect(first?.events).toMatchObject({ duplicates: 3, unrated: 0 });
    // The second client's "ambient_plus" snapshot has no rate: unrated, with the script's error.
    const second = await reconcile(drafts[1] as UsageInvoice);
    expect(second?.events.unrated).toBe(1);
    expect(second?.differences.unrated_events).toEqual([
      expect.objectContaining({
        code: "script_runtime_error",
        message: expect.stringContaining("storage_pallet_day_ambient_plus"),
      }),
    ]);
    const rejections = await listRejections(deps, { limit: 10 });
    expect(rejections.data).toEqual([
      expect.objectContaining({ source: "batch", raw: expect.stringContaining("wms-cust-007") }),
    ]);
  });

  it("re-rated the first client's draft when its late receipt arrived", async () => {
    const [runs] = await query<{ reasons: string[] }>(`
      select array_agg(r.reason order by r.created_at) as reasons from usage_rating_runs r
        join customers c on c.id = r.customer_id
       where c.external_id = 'wms-cust-001' and r.period_start = (select max(period_start) from usage_rating_runs where customer_id = r.customer_id)`);
    expect(runs?.reasons).toEqual(["billing", "late_event"]);
    const [late] = await query<{ n: string }>(`
      select count(*) as n from usage_charges where transaction_id = 'wms-late-wms-cust-001-0001' and invoice_line_id is not null`);
    expect(Number(late?.n)).toBe(2); // 48 cartons and 2 pallets, on the draft's receiving lines
  });

  it("rates no SaaS customer: the script applies to the clients it is assigned to", async () => {
    const [saas] = await query<{ runs: string; lines: string }>(`
      select (select count(*) from usage_rating_runs r join customers c on c.id = r.customer_id
               where c.external_id not like 'wms-cust-%') as runs,
             (select count(*) from invoice_lines l join invoices i on i.id = l.invoice_id
                join customers c on c.id = i.customer_id
               where l.source_id like 'usage:%' and c.external_id not like 'wms-cust-%') as lines`);
    expect(saas).toEqual({ runs: "0", lines: "0" });
  });
});
