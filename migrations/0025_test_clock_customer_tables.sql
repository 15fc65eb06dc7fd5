-- Deleting a test clock removes every row tied to its customers. Tables with
-- a foreign key to customers are found through the catalog; tables that name
-- a customer in a customer_id column without one (the usage tables, written
-- in bulk on hot paths; reports; per-customer settings) are listed here
-- instead of in the function, so a migration that adds such a table adds one
-- row rather than restating test_clock_delete:
--
--   insert into test_clock_customer_tables (table_name) values ('my_table');
--
-- src/testclocks/deletion.test.ts fails when a table names a customer and is
-- in neither place.

create table test_clock_customer_tables (
  table_name text primary key check (to_regclass(table_name) is not null)
);

insert into test_clock_customer_tables (table_name) values
  ('billing_run_items'),
  ('billing_runs'),
  ('commitments'),
  ('price_overrides'),
  ('rate_cards'),
  ('subscription_customer_defaults'),
  ('subscriptions'),
  ('usage_backtest_errors'),
  ('usage_backtest_rows'),
  ('usage_backtests'),
  ('usage_charges'),
  ('usage_duplicate_counts'),
  ('usage_event_keys'),
  ('usage_events'),
  ('usage_meter_values');

-- Rows of one listed table that belong to the customers, after the rows of
-- any table that references them by foreign key (a subscription's items, a
-- rate card's versions, …). A table nothing references is deleted in one
-- statement, without collecting its ids.
create function test_clock_delete_customer_rows(p_table text, p_customers text[]) returns void language plpgsql as $$
declare
  row_ids text[];
begin
  if exists (
    select 1 from pg_constraint c
    where c.contype = 'f' and c.confrelid = p_table::regclass and c.conrelid <> p_table::regclass
  ) then
    execute format('select coalesce(array_agg(id::text), ''{}'') from %I where customer_id = any($1)', p_table)
      into row_ids using p_customers;
    if cardinality(row_ids) > 0 then
      perform test_clock_delete_referencing(p_table::regclass, row_ids);
    end if;
  end if;
  execute format('delete from %I where customer_id = any($1)', p_table) using p_customers;
end $$;

create or replace function test_clock_delete(p_clock text) returns void language plpgsql as $$
declare
  customer_ids text[];
  listed record;
  v_prefix text;
begin
  select invoice_prefix into v_prefix from test_clocks where id = p_clock for update;
  if not found then return; end if;
  select coalesce(array_agg(id), '{}') into customer_ids from customers where test_clock = p_clock;
  -- A customer rate card's approved versions refuse deletion except while
  -- the clock that owns the customer is being deleted (0021).
  perform set_config('accrue.deleting_test_clock', p_clock, true);
  for listed in select table_name from test_clock_customer_tables order by table_name loop
    perform test_clock_delete_customer_rows(listed.table_name, customer_ids);
  end loop;
  perform set_config('accrue.deleting_test_clock', '', true);
  -- Everything with a foreign key to the customers (invoices and their lines, items, notes, credit notes, …).
  perform test_clock_delete_referencing('customers', customer_ids);
  delete from customers where id = any(customer_ids);
  delete from invoice_number_series where prefix = v_prefix;
  perform ledger_delete_test_clock_book(p_clock);
  delete from test_clocks where id = p_clock;
end $$;
