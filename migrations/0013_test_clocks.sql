-- Test clocks: a frozen instant that a set of customers lives on. Advancing
-- the clock runs their billing runs, due dates and scheduled changes in order,
-- as real time would. A clock is also its own ledger book: accounts and
-- entries of a clock customer carry the clock's id, the live reports leave
-- them out, and deleting the clock removes its book through one narrow path
-- that the immutability triggers allow for test-clock rows only.

create table test_clocks (
  id text primary key,
  name text not null,
  frozen_time timestamptz not null,
  status text not null check (status in ('ready', 'advancing')),
  -- Invoices of the clock's customers are numbered in their own series, so
  -- deleting the clock leaves no gap in the live series.
  invoice_prefix text not null unique,
  created_at timestamptz not null,
  updated_at timestamptz not null
);

alter table customers add column test_clock text references test_clocks (id);
create index customers_test_clock on customers (test_clock) where test_clock is not null;

-- ---------------------------------------------------------------------------
-- The ledger book: null is the company's live book.

alter table ledger_accounts add column test_clock_id text;
alter table ledger_entries add column test_clock_id text;
alter table ledger_accounts drop constraint ledger_accounts_code_currency_key;
create unique index ledger_accounts_code_currency_book on ledger_accounts (code, currency, coalesce(test_clock_id, ''));
create index ledger_accounts_test_clock on ledger_accounts (test_clock_id) where test_clock_id is not null;
create index ledger_entries_test_clock on ledger_entries (test_clock_id) where test_clock_id is not null;

-- Deletion is refused, except of the rows of the one test-clock book that
-- ledger_delete_test_clock_book is deleting in this transaction.
create or replace function ledger_deleting_book() returns text language sql stable as $$
  select nullif(current_setting('accrue.deleting_test_clock', true), '')
$$;

create or replace function ledger_accounts_guard() returns trigger language plpgsql as $$
begin
  if tg_op = 'DELETE' then
    if old.test_clock_id is not null and old.test_clock_id = ledger_deleting_book() then
      return old;
    end if;
    raise exception 'ledger accounts are never deleted; archive the account' using errcode = '55000';
  end if;
  if new.id <> old.id or new.type <> old.type or new.currency <> old.currency
     or new.test_clock_id is distinct from old.test_clock_id then
    raise exception 'a ledger account''s id, type, currency and book never change' using errcode = '55000';
  end if;
  return new;
end $$;

create or replace function ledger_reject_change() returns trigger language plpgsql as $$
declare
  book text := ledger_deleting_book();
begin
  -- Nested ifs: plpgsql would read old.entry_id on an entry row (or old.test_clock_id on a line) otherwise.
  if tg_op = 'DELETE' and book is not null then
    if tg_table_name = 'ledger_entries' then
      if old.test_clock_id = book then
        return old;
      end if;
    elsif tg_table_name = 'ledger_lines' then
      if exists (select 1 from ledger_entries e where e.id = old.entry_id and e.test_clock_id = book) then
        return old;
      end if;
    end if;
  end if;
  raise exception 'posted journal entries are immutable; post a reversing entry instead'
    using errcode = '55000';
end $$;

create function ledger_delete_test_clock_book(p_clock text) returns void language plpgsql as $$
begin
  perform set_config('accrue.deleting_test_clock', p_clock, true);
  delete from ledger_lines l using ledger_entries e where e.id = l.entry_id and e.test_clock_id = p_clock;
  delete from ledger_entries where test_clock_id = p_clock;
  delete from ledger_balances b using ledger_accounts a where a.id = b.account_id and a.test_clock_id = p_clock;
  delete from ledger_accounts where test_clock_id = p_clock;
  perform set_config('accrue.deleting_test_clock', '', true);
end $$;

-- Posting, as in 0003, with books: an entry's book is its accounts' book (an
-- entry that mixes two books is a bug and is refused), and a test clock's
-- book is not bound by the live period close: its dates are simulated.
create or replace function ledger_post_entries(
  p_ids text[], p_keys text[], p_source_types text[], p_source_ids text[], p_dates date[], p_memos text[],
  p_reverses text[], p_posted_at timestamptz, p_posted_by text,
  p_line_entries text[], p_line_nos smallint[], p_line_accounts text[], p_line_currencies text[],
  p_line_debits numeric[], p_line_credits numeric[]
) returns table (result_kind text, result_key text, result_value text) language plpgsql as $$
declare
  closed date := ledger_posting_period();
begin
  if exists (
    select 1
    from unnest(p_line_entries, p_line_accounts) as u(entry_id, account)
    join ledger_accounts a on a.id = u.account
    group by u.entry_id
    having count(distinct coalesce(a.test_clock_id, '')) > 1
  ) then
    raise exception 'a journal entry never mixes the live book with a test clock''s book' using errcode = '23514';
  end if;
  -- The live book never holds a test-clock customer's money: a service that
  -- posts for one without the clock's time (and so its book) is refused.
  if exists (
    select 1
    from ledger_accounts a
    join customers c on c.id = a.party_id
    where a.id = any(p_line_accounts) and a.party_type = 'customer'
      and c.test_clock is distinct from a.test_clock_id
  ) then
    raise exception 'a test-clock customer''s postings belong in its clock''s book' using errcode = '23514';
  end if;
  if closed is not null then
    return query
      select 'period_closed', u.k, closed::text
      from unnest(p_ids, p_keys, p_dates) as u(id, k, d)
      where u.d <= closed
        and not exists (select 1 from ledger_entries e where e.idempotency_key = u.k)
        and not exists (
          select 1 from unnest(p_line_entries, p_line_accounts) as x(entry_id, account)
          join ledger_accounts a on a.id = x.account
          where x.entry_id = u.id and a.test_clock_id is not null
        )
      limit 1;
    if found then return; end if;
  end if;
  return query
    select case
             when a.id is null then 'account_not_found'
             when a.currency <> u.currency then 'account_currency_mismatch'
             else 'account_archived'
           end,
           null::text, u.account
    from (select distinct x.account, x.currency from unnest(p_line_accounts, p_line_currencies) as x(account, currency)) u
    left join ledger_accounts a on a.id = u.account
    where a.id is null or a.archived or a.currency <> u.currency
    limit 1;
  if found then return; end if;
  return query
    with books as (
      select x.entry_id, max(a.test_clock_id) as test_clock_id
      from unnest(p_line_entries, p_line_accounts) as x(entry_id, account)
      join ledger_accounts a on a.id = x.account
      group by x.entry_id
    ), e as (
      insert into ledger_entries as x
        (id, idempotency_key, source_type, source_id, effective_date, memo, reverses_entry_id, posted_at, posted_by,
         test_clock_id)
      select u.*, p_posted_at, p_posted_by, books.test_clock_id
      from unnest(p_ids, p_keys, p_source_types, p_source_ids, p_dates, p_memos, p_reverses)
        as u(id, k, st, si, d, m, r)
      left join books on books.entry_id = u.id
      on conflict (idempotency_key) do nothing
      returning x.id, x.idempotency_key, x.effective_date
    ), l as (
      insert into ledger_lines as y (entry_id, line_no, account_id, currency, debit, credit, effective_date)
      select u.entry_id, u.line_no, u.account_id, u.currency, u.debit, u.credit, e.effective_date
      from unnest(p_line_entries, p_line_nos, p_line_accounts, p_line_currencies, p_line_debits, p_line_credits)
        as u(entry_id, line_no, account_id, currency, debit, credit)
      join e on e.id = u.entry_id
      returning y.account_id, y.debit, y.credit
    ), net as (
      select l.account_id, sum(l.debit) as debit, sum(l.credit) as credit from l group by l.account_id
    ), balances as (
      insert into ledger_balances as b (account_id, slot, debit, credit)
      select net.account_id, pg_backend_pid() % 16, net.debit, net.credit from net order by net.account_id
      on conflict (account_id, slot) do update
        set debit = b.debit + excluded.debit, credit = b.credit + excluded.credit
    )
    select 'posted', e.idempotency_key, e.id from e;
end $$;

-- ---------------------------------------------------------------------------
-- Deleting a clock and everything tied to it, in one transaction.

-- Deletes the rows of every table with a one-column foreign key to p_table
-- whose value is in p_ids, their own dependants first. Walking the catalog
-- keeps the deletion complete when later migrations add tables that hang off
-- customers or invoices.
create function test_clock_delete_referencing(p_table regclass, p_ids text[]) returns void language plpgsql as $$
declare
  fk record;
  child_ids text[];
begin
  for fk in
    select c.conrelid::regclass as child, a.attname as col
    from pg_constraint c
    join pg_attribute a on a.attrelid = c.conrelid and a.attnum = c.conkey[1]
    where c.contype = 'f' and c.confrelid = p_table and cardinality(c.conkey) = 1 and c.conrelid <> p_table
    order by c.conname
  loop
    if exists (select 1 from pg_attribute where attrelid = fk.child and attname = 'id' and not attisdropped) then
      execute format('select coalesce(array_agg(id::text), ''{}'') from %s where %I = any($1)', fk.child, fk.col)
        into child_ids using p_ids;
      if cardinality(child_ids) > 0 then
        perform test_clock_delete_referencing(fk.child, child_ids);
      end if;
    end if;
    execute format('delete from %s where %I = any($1)', fk.child, fk.col) using p_ids;
  end loop;
end $$;

create function test_clock_delete(p_clock text) returns void language plpgsql as $$
declare
  customer_ids text[];
  subscription_ids text[];
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
  -- Everything with a foreign key to the customers (invoices and their lines, items, notes, credit notes, …).
  perform test_clock_delete_referencing('customers', customer_ids);
  delete from customers where id = any(customer_ids);
  delete from invoice_number_series where prefix = v_prefix;
  perform ledger_delete_test_clock_book(p_clock);
  delete from test_clocks where id = p_clock;
end $$;
