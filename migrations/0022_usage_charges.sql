-- Script-rated usage: what a charge script made of a customer's events for
-- one usage period, so every usage invoice line can be traced to its charges,
-- their events, the script version and the rate card versions used.
--
-- * usage_rating_runs: one row per rating of a customer's period (who, when,
--   counts, totals, outcome). Billing, re-rating and late events each make one.
-- * usage_charges: the charges of the period's current rating. A period is
--   re-rated by replacing its charges that are not yet on an invoice line;
--   charges on a finalized invoice never change.
-- * usage_rating_errors: the events the script could not rate, with the
--   script's error and line, so an analyst can fix the script or the event.
-- * usage_duplicate_counts: events received again (same customer and
--   transaction id), per customer and UTC day of the stored event, so the
--   reconciliation can show received = rated + unrated + duplicates.

create table usage_rating_runs (
  id text primary key,
  customer_id text not null references customers (id),
  period_start timestamptz not null,
  period_end timestamptz not null,
  -- billing (a billing run), rerate (a person), late_event (ingestion), adjustment (a finalized period)
  reason text not null check (reason in ('billing', 'rerate', 'late_event', 'adjustment')),
  status text not null check (status in ('rated', 'rated_with_errors')),
  events_rated bigint not null,
  events_unrated bigint not null,
  charges bigint not null,
  amount numeric not null,
  currency text not null,
  created_by text not null,
  created_at timestamptz not null,
  check (period_start < period_end)
);

create index usage_rating_runs_period on usage_rating_runs (customer_id, period_start, created_at);

-- Charges are written by the hundred thousand: a sequential id (also the
-- order the script emitted them in, so lines list codes as they first
-- appear) keeps the primary key append-only, and the customer and the run
-- are checked once, on the run row written in the same transaction, rather
-- than by a foreign key lookup per charge (measured: half the insert time).
create table usage_charges (
  id bigint generated always as identity primary key,
  customer_id text not null,
  -- The event charged (usage_events.id); null for a period-level charge from finalize.
  event_id uuid,
  event_ts timestamptz,
  transaction_id text,
  period_start timestamptz not null,
  period_end timestamptz not null,
  code text not null,
  description text,
  quantity numeric not null,
  unit_price numeric(38, 12) not null,
  -- quantity × unit_price rounded once to the currency's minor unit.
  amount numeric not null,
  currency text not null,
  dimensions jsonb not null default '{}',
  -- code and canonical dimensions: the invoice line these charges are summed into.
  line_key text not null,
  script_version_id text not null,
  rate_card_version_ids text[] not null,
  rating_run_id text not null,
  -- Set when the draft holding the line is written; cleared if the draft line goes.
  invoice_line_id text references invoice_lines (id) on delete set null,
  -- An adjustment of a finalized period: the pending invoice item that bills it.
  invoice_item_id text references invoice_items (id)
);

create index usage_charges_period on usage_charges (customer_id, period_start, period_end);
create index usage_charges_line on usage_charges (invoice_line_id) where invoice_line_id is not null;

create table usage_rating_errors (
  id uuid primary key default gen_random_uuid(),
  customer_id text not null references customers (id),
  period_start timestamptz not null,
  period_end timestamptz not null,
  event_id uuid,
  event_ts timestamptz,
  transaction_id text,
  code text not null,
  message text not null,
  script_line integer,
  script_version_id text not null,
  rating_run_id text not null references usage_rating_runs (id)
);

create index usage_rating_errors_period on usage_rating_errors (customer_id, period_start, period_end);

create table usage_duplicate_counts (
  customer_id text not null,
  day date not null,
  duplicates bigint not null,
  primary key (customer_id, day)
);

-- A usage invoice line carries source_id 'usage:<line_key>' (see
-- billing-run-lines.ts). Whichever path writes the draft's lines (a billing
-- run's batch insert, the careful path, a re-rating), this ties the period's
-- charges to the line in the same statement's transaction: set-based, one
-- UPDATE per insert statement, nothing when no usage line is inserted.
create function usage_charges_tie_lines() returns trigger
language plpgsql as $$
begin
  update usage_charges c
     set invoice_line_id = l.id
    from new_lines l
    join invoices i on i.id = l.invoice_id
   where l.source_type = 'subscription'
     and l.source_id like 'usage:%'
     and c.customer_id = i.customer_id
     and c.period_start = l.period_start
     and c.period_end = l.period_end
     and c.line_key = substr(l.source_id, 7)
     and c.invoice_line_id is null
     and c.invoice_item_id is null;
  return null;
end
$$;

create trigger invoice_lines_tie_usage_charges after insert on invoice_lines
  referencing new table as new_lines
  for each statement execute function usage_charges_tie_lines();
