-- Deleting a test clock also removes its customers' stored usage charges,
-- duplicate counts and backtest results: those tables name the customer
-- without a foreign key (charges are written in bulk on the rating path; a
-- backtest's rows are a report). Same function as in 0021 with these lines
-- added.

create or replace function test_clock_delete(p_clock text) returns void language plpgsql as $$
declare
  customer_ids text[];
  subscription_ids text[];
  card_ids text[];
  v_prefix text;
begin
  select invoice_prefix into v_prefix from test_clocks where id = p_clock for update;
  if not found then return; end if;
  select coalesce(array_agg(id), '{}') into customer_ids from customers where test_clock = p_clock;
  select coalesce(array_agg(id), '{}') into subscription_ids from subscriptions where customer_id = any(customer_ids);
  -- Rows that name a customer or subscription without a foreign key.
  perform test_clock_delete_referencing('subscriptions', subscription_ids);
  delete from subscriptions where id = any(subscription_ids);
  delete from subscription_customer_defaults where customer_id = any(customer_ids);
  delete from billing_runs where customer_id = any(customer_ids);
  delete from billing_run_items where customer_id = any(customer_ids);
  delete from price_overrides where customer_id = any(customer_ids);
  delete from commitments where customer_id = any(customer_ids);
  delete from usage_events where customer_id = any(customer_ids);
  delete from usage_event_keys where customer_id = any(customer_ids);
  delete from usage_meter_values where customer_id = any(customer_ids);
  delete from usage_charges where customer_id = any(customer_ids);
  delete from usage_duplicate_counts where customer_id = any(customer_ids);
  delete from usage_backtests where customer_id = any(customer_ids);
  delete from usage_backtest_rows where customer_id = any(customer_ids);
  delete from usage_backtest_errors where customer_id = any(customer_ids);
  select coalesce(array_agg(id), '{}') into card_ids from rate_cards where customer_id = any(customer_ids);
  perform set_config('accrue.deleting_test_clock', p_clock, true);
  perform test_clock_delete_referencing('rate_cards', card_ids);
  perform set_config('accrue.deleting_test_clock', '', true);
  delete from rate_cards where id = any(card_ids);
  -- Everything with a foreign key to the customers (invoices and their lines, items, notes, credit notes, events, …).
  perform test_clock_delete_referencing('customers', customer_ids);
  delete from customers where id = any(customer_ids);
  delete from invoice_number_series where prefix = v_prefix;
  perform ledger_delete_test_clock_book(p_clock);
  delete from test_clocks where id = p_clock;
end $$;
