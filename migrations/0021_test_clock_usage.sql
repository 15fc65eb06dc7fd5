-- Deleting a test clock also removes its customers' usage and rate cards.
-- usage_events, usage_event_keys and usage_meter_values name the customer
-- without a foreign key (each foreign key check would cost the ingestion hot
-- path a lookup per event; ingestion resolves customers itself), and a customer's rate card names it
-- by id, so test_clock_delete lists them by name. A customer card's approved
-- versions refuse deletion, except while the clock that owns the customer is
-- being deleted (the same narrow path the ledger's book uses).

create or replace function rate_card_versions_refuse_change() returns trigger language plpgsql as $$
begin
  if tg_op = 'DELETE' and exists (
    select 1 from rate_cards rc join customers c on c.id = rc.customer_id
     where rc.id = old.rate_card_id and c.test_clock = nullif(current_setting('accrue.deleting_test_clock', true), '')
  ) then
    return old;
  end if;
  if tg_op = 'DELETE' or old.status in ('approved', 'rejected') then
    raise exception 'rate card version % is % and cannot change', old.id, old.status using errcode = '42501';
  end if;
  return new;
end;
$$;

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
