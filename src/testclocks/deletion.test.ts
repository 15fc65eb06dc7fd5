import { sql } from "kysely";
import { describe, expect, it } from "vitest";
import { freshDatabase } from "../../test/support/database.js";

/**
 * Deleting a clock removes every row tied to its customers. Tables with a
 * foreign key to customers, invoices or subscriptions are found by
 * test_clock_delete through the catalog; a table that names a customer
 * without a foreign key must be listed in test_clock_delete (migrations 0013, 0021 and 0024)
 * and here, or this test fails when it is added.
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
  "usage_duplicate_counts",
  "usage_event_keys",
  "usage_events",
  "usage_meter_values",
];

const { db } = await freshDatabase();

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
});
