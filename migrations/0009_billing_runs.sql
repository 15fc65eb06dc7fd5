-- Billing runs: one row per run (manual, scheduled or from the API) with its
-- counts, totals per currency and duration, and one row per subscription
-- period it looked at, so a failure can be read and is retried next run.
-- A dry run writes nothing here.

create table billing_runs (
  id text primary key,
  as_of timestamptz not null,
  customer_id text,
  status text not null check (status in ('running', 'succeeded', 'completed_with_failures', 'failed')),
  started_at timestamptz not null,
  finished_at timestamptz,
  subscriptions_considered integer not null default 0,
  invoices_created integer not null default 0,
  skipped_held integer not null default 0,
  skipped_already_billed integer not null default 0,
  failed integer not null default 0,
  -- {"USD": "120.00", "EUR": "30.00"}: the total of the drafts created, per currency.
  totals jsonb not null default '{}'::jsonb,
  duration_ms integer
);

create table billing_run_items (
  id text primary key,
  run_id text not null references billing_runs (id) on delete cascade,
  subscription_id text not null,
  customer_id text not null,
  period_index integer,
  outcome text not null check (outcome in ('invoiced', 'skipped_held', 'skipped_already_billed', 'failed')),
  invoice_id text,
  currency text,
  total numeric,
  reason text,
  error_code text,
  error_message text
);

create index billing_run_items_run on billing_run_items (run_id, id);
