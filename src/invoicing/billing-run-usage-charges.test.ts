import { sql } from "kysely";
import { describe, expect, it } from "vitest";
import { freshDatabase } from "../../test/support/database.js";
import { TestClock } from "../kernel/clock.js";
import { analyst, ratingBook } from "../usage/rating-choice-test-support.js";
import { runBilling } from "./billing-run.js";
import { createInvoiceItem } from "./service.js";

/**
 * A period's usage charges are written in the transaction that writes its
 * draft: when the draft cannot be written, no charges and no rating run
 * are left behind, on the careful path (one period per transaction) and on
 * the fast path (a page of drafts in one transaction). Once the draft can be
 * written, every charge is on one of its lines.
 */

const { db } = await freshDatabase();
const deps = { db, clock: new TestClock("2026-09-15T00:00:00Z") };
const book = await ratingBook(deps, { is_default: true });
const plain = await book.client("Plain warehouse client");
const careful = await book.client("Warehouse client with a pending item");
deps.clock = new TestClock("2026-10-20T00:00:00Z");
// A pending one-off item sends this customer's subscription down the careful path.
await createInvoiceItem(deps, analyst, {
  customer_id: careful,
  description: "Pallet wrap",
  quantity: "1",
  unit_amount: "5.00",
});
for (const customer of [plain, careful]) {
  await book.send(customer, [
    ["inbound.received", "2026-10-02T15:00:00Z", { warehouse: "RNO1", cartons: 12, pallets: 2 }],
  ]);
}

// The database refuses these customers' invoices: a draft that cannot be written, after its usage was rated.
await sql`create table failing_draft_customers (customer_id text primary key)`.execute(db);
await sql`
  create function refuse_failing_drafts() returns trigger language plpgsql as $$
  begin
    if exists (select 1 from failing_draft_customers where customer_id = new.customer_id) then
      raise exception 'draft refused for %', new.customer_id;
    end if;
    return new;
  end $$`.execute(db);
await sql`create trigger refuse_failing_drafts before insert on invoices
  for each row execute function refuse_failing_drafts()`.execute(db);
await sql`insert into failing_draft_customers values (${plain}), (${careful})`.execute(db);

const stored = async (customer: string) => {
  const charges = await sql<{ all: string; on_lines: string }>`
    select count(*)::text as all, count(invoice_line_id)::text as on_lines from usage_charges where customer_id = ${customer}`.execute(
    db,
  );
  const runs = await sql<{ n: string }>`
    select count(*)::text as n from usage_rating_runs where customer_id = ${customer}`.execute(db);
  return { charges: charges.rows[0]?.all, on_lines: charges.rows[0]?.on_lines, runs: runs.rows[0]?.n };
};

describe("usage charges stored with the draft", () => {
  it("leaves no charges when the careful path cannot write the draft", async () => {
    deps.clock = new TestClock("2026-11-01T00:00:00Z");
    const run = await runBilling(deps, analyst, { as_of: deps.clock.now(), customer: careful });
    expect(run.items).toEqual([expect.objectContaining({ outcome: "failed" })]);
    expect(await stored(careful)).toEqual({ charges: "0", on_lines: "0", runs: "0" });
  });

  it("leaves no charges when the fast path cannot write the page", async () => {
    await expect(runBilling(deps, analyst, { as_of: deps.clock.now(), customer: plain })).rejects.toThrow(
      /draft refused/,
    );
    expect(await stored(plain)).toEqual({ charges: "0", on_lines: "0", runs: "0" });
  });

  it("stores the charges with the drafts once they can be written, every one on a line", async () => {
    await sql`delete from failing_draft_customers`.execute(db);
    await runBilling(deps, analyst, { as_of: deps.clock.now() });
    // 12 cartons and 2 pallets, then the monthly minimum's top-up: three charges, each on its line.
    expect(await stored(plain)).toEqual({ charges: "3", on_lines: "3", runs: "1" });
    expect(await stored(careful)).toEqual({ charges: "3", on_lines: "3", runs: "1" });
  });
});
