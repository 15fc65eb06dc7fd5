-- The ledger: chart of accounts, immutable balanced journal entries, balances,
-- period locks. Amounts are numeric(38,12): exact, 26 digits before the point.

-- Accounts. A code is unique per currency; a subledger account's code is its
-- parent's code, a colon and what it is for ("1100:cus_…" is one customer's
-- receivable, "4000:prod_…" one product's revenue, "1050:stripe" a gateway's
-- clearing account).
create table ledger_accounts (
  id text primary key,
  code text not null,
  name text not null,
  type text not null check (type in ('asset', 'liability', 'equity', 'revenue', 'expense')),
  currency text not null check (currency ~ '^[A-Z]{3}$'),
  party_type text check (party_type in ('customer', 'payee', 'department')),
  party_id text,
  archived boolean not null default false,
  created_at timestamptz not null,
  check ((party_type is null) = (party_id is null)),
  unique (code, currency)
);
create index ledger_accounts_party on ledger_accounts (party_id) where party_id is not null;

-- An account's type and currency are what its lines mean; changing either
-- would silently restate every balance, and accounts are never deleted
-- (archive them instead).
create function ledger_accounts_guard() returns trigger language plpgsql as $$
begin
  if tg_op = 'DELETE' then
    raise exception 'ledger accounts are never deleted; archive the account' using errcode = '55000';
  end if;
  if new.id <> old.id or new.type <> old.type or new.currency <> old.currency then
    raise exception 'a ledger account''s id, type and currency never change' using errcode = '55000';
  end if;
  return new;
end $$;
create trigger ledger_accounts_guard before update or delete on ledger_accounts
  for each row execute function ledger_accounts_guard();

-- Current balance per account: the sum of every posted line, kept by netted
-- updates in the posting transaction, so reading it is one primary-key range
-- read of at most 16 rows. An account's balance is spread over up to 16
-- slots; a posting adds to the slot of its database connection
-- (pg_backend_pid() % 16). Postings that all hit one hot revenue account then
-- update different rows and do not queue behind each other's commit, even when
-- a caller posts early in a long transaction of its own. The balance is the sum
-- of the slots. Slot rows are created by the first posting that needs them.
create table ledger_balances (
  account_id text not null references ledger_accounts (id),
  slot smallint not null check (slot between 0 and 15),
  debit numeric(38, 12) not null default 0,
  credit numeric(38, 12) not null default 0,
  primary key (account_id, slot)
) with (fillfactor = 50); -- room on the page for HOT updates of hot accounts

-- Journal entries: immutable once posted; corrected only by a reversing entry.
create table ledger_entries (
  id text primary key,
  -- The business event that posted it ("invoice.finalized:inv_…"): it posts once.
  idempotency_key text not null unique,
  source_type text not null,
  source_id text not null,
  effective_date date not null,
  memo text not null default '',
  posted_at timestamptz not null,
  posted_by text not null,
  reverses_entry_id text references ledger_entries (id)
);
create index ledger_entries_source on ledger_entries (source_type, source_id);
-- An entry is reversed at most once, even by two concurrent reversals. Partial:
-- almost every entry reverses nothing, and indexing its null would cost every posting.
create unique index ledger_entries_reverses on ledger_entries (reverses_entry_id) where reverses_entry_id is not null;

create table ledger_lines (
  entry_id text not null,
  line_no smallint not null,
  account_id text not null,
  currency text not null,
  debit numeric(38, 12) not null default 0,
  credit numeric(38, 12) not null default 0,
  -- The entry's date, repeated so balances as of a date read one index.
  effective_date date not null,
  primary key (entry_id, line_no),
  check ((debit > 0 and credit = 0) or (credit > 0 and debit = 0))
);
-- Balance as of a date: one index range per account.
create index ledger_lines_account_date on ledger_lines (account_id, effective_date);

-- Double entry, enforced by the database too: the lines a statement inserts
-- balance per entry and currency (every entry's lines are inserted by one
-- statement). One set-based check over the statement's lines, with no join,
-- so its plan never goes stale as the tables grow.
--
-- No row-level foreign keys on lines: they were measured at 45% of a
-- 1,000-entry batch's insert time. The posting statement (ledger_post_entries)
-- checks once per statement that every line's account exists and is in the
-- line's currency, and accounts can be neither deleted nor moved to another
-- currency (ledger_accounts_guard), so what was true when a line was posted
-- stays true.
create function ledger_lines_balance_check() returns trigger language plpgsql as $$
begin
  if exists (select 1 from new_lines group by entry_id, currency having sum(debit) <> sum(credit)) then
    raise exception 'a journal entry does not balance in one of its currencies' using errcode = '23514';
  end if;
  return null;
end $$;
create trigger ledger_lines_balance_check after insert on ledger_lines
  referencing new table as new_lines
  for each statement execute function ledger_lines_balance_check();

-- Posted is posted: the database refuses to change or remove an entry or a
-- line, whoever asks (a psql session included). Corrections are reversals.
create function ledger_reject_change() returns trigger language plpgsql as $$
begin
  raise exception 'posted journal entries are immutable; post a reversing entry instead'
    using errcode = '55000';
end $$;
create trigger ledger_entries_immutable before update or delete on ledger_entries
  for each row execute function ledger_reject_change();
create trigger ledger_entries_no_truncate before truncate on ledger_entries
  for each statement execute function ledger_reject_change();
create trigger ledger_lines_immutable before update or delete on ledger_lines
  for each row execute function ledger_reject_change();
create trigger ledger_lines_no_truncate before truncate on ledger_lines
  for each statement execute function ledger_reject_change();

-- One row: the latest closed date, and the close in effect.
create table ledger_settings (
  singleton boolean primary key default true check (singleton),
  closed_through date,
  lock_id text
);
insert into ledger_settings (singleton) values (true);

-- The period lock a posting takes (docs/guide/ledger.md, "Closing a period").
-- Every posting holds a shared advisory lock to commit; a close or reopen takes
-- it exclusively (src/ledger/periods.ts), so it waits for the postings in
-- flight and postings that start meanwhile wait for it. An advisory lock and
-- not a share lock on the settings row: PostgreSQL queues new shared requests
-- behind a waiting exclusive one, so a steady stream of postings cannot starve
-- a close, and taking it writes nothing (a row share lock is WAL-logged).
--
-- The date is read after the lock is granted, in a statement of its own (this
-- function is volatile, so under read committed it reads with a fresh
-- snapshot): a posting that waited for a close sees it. Under repeatable read
-- or serializable the caller's snapshot may predate a close committed while it
-- waited, so the row is also share-locked, which fails with a serialization
-- error rather than reading a stale date.
create function ledger_posting_period() returns date language plpgsql volatile as $$
declare
  closed date;
begin
  perform pg_advisory_xact_lock_shared(hashtextextended('ledger:period_lock', 0));
  if current_setting('transaction_isolation') = 'read committed' then
    select s.closed_through into closed from ledger_settings s;
  else
    select s.closed_through into closed from ledger_settings s for share;
  end if;
  return closed;
end $$;

-- Posting, in one statement: entries, lines and netted balance changes from
-- parallel arrays (one element per entry, one per line), with the checks that
-- need the database done in the same statement, so a single posting is one
-- round trip and needs no transaction of its own. The application has already
-- checked everything else (model.ts: lines, amounts, currencies, balance).
-- PL/pgSQL because it keeps the statements' plans for the session: planning the
-- insert took longer than running it for a single entry.
--
-- Returns one row per outcome (result_kind, result_key, result_value):
--   'posted', idempotency key, entry id        for each entry inserted;
--   'period_closed', idempotency key, date     the first entry dated in the closed
--                                              period (nothing is inserted);
--   'account_archived', null, account id       a line on an archived account, or
--   'account_not_found' / 'account_currency_mismatch': a line on an account that
--                                              does not exist or is in another
--                                              currency (nothing is inserted).
-- An entry whose key has posted already is skipped and reported by no row: it is
-- a replay, and its period and accounts are not checked again.
--
-- Each touched account gets one netted upsert into its balance slot for this
-- connection, in account-id order, so two postings sharing a slot lock its rows
-- in one order and never deadlock.
create function ledger_post_entries(
  p_ids text[], p_keys text[], p_source_types text[], p_source_ids text[], p_dates date[], p_memos text[],
  p_reverses text[], p_posted_at timestamptz, p_posted_by text,
  p_line_entries text[], p_line_nos smallint[], p_line_accounts text[], p_line_currencies text[],
  p_line_debits numeric[], p_line_credits numeric[]
) returns table (result_kind text, result_key text, result_value text) language plpgsql as $$
declare
  closed date := ledger_posting_period();
begin
  if closed is not null then
    return query
      select 'period_closed', u.k, closed::text
      from unnest(p_keys, p_dates) as u(k, d)
      where u.d <= closed and not exists (select 1 from ledger_entries e where e.idempotency_key = u.k)
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
    with e as (
      insert into ledger_entries as x
        (id, idempotency_key, source_type, source_id, effective_date, memo, reverses_entry_id, posted_at, posted_by)
      select u.*, p_posted_at, p_posted_by
      from unnest(p_ids, p_keys, p_source_types, p_source_ids, p_dates, p_memos, p_reverses) as u
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

-- Every close and reopen, kept: who, when, why.
create table ledger_period_locks (
  id text primary key,
  action text not null check (action in ('close', 'reopen')),
  -- close: the date closed through; reopen: the date of the close it undid.
  through date not null,
  -- The closed date once this action took effect (null: nothing closed).
  closed_through date,
  -- close: the close it replaced, to step back to when reopened; reopen: the close it undid.
  previous_lock_id text references ledger_period_locks (id),
  reason text,
  created_by text not null,
  created_at timestamptz not null
);
