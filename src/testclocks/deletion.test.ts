import { sql } from "kysely";
import { Temporal } from "temporal-polyfill";
import { describe, expect, it } from "vitest";
import { freshDatabase } from "../../test/support/database.js";
import { approve } from "../access/index.js";
import { createRateCard, requestRateCardApproval } from "../catalog/index.js";
import { createCustomer, deleteTestClockAndObjects, insertTestClock } from "../customers/index.js";
import type { RequestContext } from "../kernel/actor.js";
import { TestClock } from "../kernel/clock.js";
import { newId } from "../kernel/ids.js";
import { ingestEvents } from "../usage/index.js";

/**
 * Deleting a clock removes every row tied to its customers. Tables with a
 * foreign key to customers, invoices or subscriptions are found by
 * test_clock_delete through the catalog; a table that names a customer
 * without a foreign key must be listed in test_clock_customer_tables (a row
 * added by the migration that creates it, see 0025) and here, or this test
 * fails when it is added.
 */
const DELETED_BY_NAME = [
  "billing_run_items",
  "billing_runs",
  "commitments",
  "price_overrides",
  "rate_cards",
  "subscription_customer_defaults",
  "subscriptions",
  "usage_backtest_errors",
  "usage_backtest_rows",
  "usage_backtests",
  "usage_charges",
  "usage_event_duplicates",
  "usage_event_keys",
  "usage_events",
  "usage_late_ratings",
  "usage_meter_values",
];

const { db } = await freshDatabase();
const deps = { db, clock: new TestClock("2026-06-10T09:00:00Z") };
const analyst: RequestContext = {
  actor: { type: "user", id: "usr_analyst", role: "billing_analyst", display_name: "Bea Analyst" },
  request_id: "req_clock_deletion",
};
const controller: RequestContext = {
  actor: { type: "user", id: "usr_controller", role: "approver", display_name: "Chidi Okafor" },
  request_id: "req_clock_deletion",
};

/** A customer with an approved rate card of its own and two usage events. */
async function customerWithUsage(name: string, testClock?: string): Promise<string> {
  const customer = await createCustomer(deps, analyst, {
    legal_name: name,
    currency: "USD",
    ...(testClock === undefined ? {} : { test_clock: testClock }),
  });
  const { card } = await createRateCard(deps, analyst, {
    kind: "customer",
    customer: customer.id,
    rates: { monthly_minimum: "250.00" },
    effective_from: Temporal.Instant.from("2026-06-11T00:00:00Z"),
  });
  const asked = await requestRateCardApproval(deps, analyst, card.id, "1");
  await approve(deps, controller, asked.approval.id);
  const outcome = await ingestEvents(
    deps,
    analyst,
    ["2026-06-09T10:00:00Z", "2026-06-09T11:00:00Z"].map((timestamp, index) => ({
      transaction_id: `${name}-${index}`,
      customer: customer.id,
      type: "order.shipped",
      timestamp,
      properties: { units: 3 },
    })),
    { source: "batch" },
  );
  expect(outcome.results.map((result) => result.status)).toEqual(["accepted", "accepted"]);
  return customer.id;
}

/** Rows per listed table (and rate card versions) that belong to the customer. */
async function rowsOf(customer: string): Promise<Record<string, number>> {
  const counts: Record<string, number> = {};
  for (const table of [...DELETED_BY_NAME, "rate_card_versions"]) {
    const where =
      table === "rate_card_versions"
        ? sql`rate_card_id in (select id from rate_cards where customer_id = ${customer})`
        : sql`customer_id = ${customer}`;
    const result = await sql<{ n: string }>`select count(*) as n from ${sql.table(table)} where ${where}`.execute(db);
    const n = Number(result.rows[0]?.n);
    if (n > 0) counts[table] = n;
  }
  return counts;
}

describe("test_clock_delete covers every table that names a customer", () => {
  it("either through a foreign key or by name", async () => {
    const result = await sql<{ table_name: string }>`
      select c.table_name
      from information_schema.columns c
      join information_schema.tables t on t.table_schema = c.table_schema and t.table_name = c.table_name
      where c.table_schema = 'public' and c.column_name = 'customer_id' and t.table_type = 'BASE TABLE'
        and not exists (
          select 1 from pg_constraint k
          join pg_attribute a on a.attrelid = k.conrelid and a.attnum = k.conkey[1]
          where k.contype = 'f' and k.conrelid = (quote_ident(c.table_name))::regclass
            and k.confrelid = 'customers'::regclass and a.attname = 'customer_id'
        )
      order by c.table_name`.execute(db);
    expect(result.rows.map((row) => row.table_name)).toEqual(DELETED_BY_NAME);
  });

  it("deletes by name exactly the tables listed in test_clock_customer_tables", async () => {
    const listed = await sql<{ table_name: string }>`
      select table_name from test_clock_customer_tables order by table_name`.execute(db);
    expect(listed.rows.map((row) => row.table_name)).toEqual(DELETED_BY_NAME);
  });

  it("removes a clock customer's usage and approved rate card, and leaves a live customer's alone", async () => {
    const clockId = newId("test_clock");
    await insertTestClock(db, {
      id: clockId,
      name: "Warehouse trial",
      frozen_time: Temporal.Instant.from("2026-06-10T09:00:00Z"),
      at: deps.clock.now(),
    });
    const live = await customerWithUsage("live-warehouse");
    const simulated = await customerWithUsage("simulated-warehouse", clockId);
    const expected = {
      rate_card_versions: 1,
      rate_cards: 1,
      usage_event_keys: 2,
      usage_events: 2,
    };
    expect(await rowsOf(simulated)).toMatchObject(expected);

    await deleteTestClockAndObjects(db, clockId);

    expect(await rowsOf(simulated)).toEqual({});
    expect(await rowsOf(live)).toMatchObject(expected);
  });
});
