-- Subscriptions: who holds which prices, from when, on what schedule. The
-- items a subscription holds live in phases: a phase starts at an instant and
-- lists every item from then on. A mid-period change, a change at period end
-- and a launch-price phase are all a new phase, so the items in force at any
-- instant (what a period bills) are always on record.

create table subscriptions (
  id text primary key,
  customer_id text not null,
  plan_id text not null,
  currency text not null check (currency ~ '^[A-Z]{3}$'),
  interval_unit text not null check (interval_unit in ('day', 'week', 'month', 'year')),
  interval_count integer not null check (interval_count >= 1),
  billing_timing text not null check (billing_timing in ('in_advance', 'in_arrears')),
  -- The customer's zone when the subscription was created: its periods never move.
  time_zone text not null,
  anchor_kind text not null check (anchor_kind in ('anniversary', 'day_of_month')),
  anchor_day integer check (anchor_day between 1 and 31),
  start_at timestamptz not null,
  trial_end timestamptz,
  -- Period 0 starts here: the trial's end, or the start when there is no trial.
  billing_start timestamptz not null,
  term_periods integer check (term_periods >= 1),
  auto_renew boolean not null default true,
  seat_true_up boolean not null default false,
  proration_behavior text check (proration_behavior in ('create_prorations', 'always_invoice', 'none')),
  -- When the subscription ends (past: canceled; future: scheduled to end).
  ended_at timestamptz,
  canceled_at timestamptz,
  last_billed_period_index integer,
  metadata jsonb not null default '{}',
  created_at timestamptz not null,
  updated_at timestamptz not null
);
create index subscriptions_customer on subscriptions (customer_id, id);

create table subscription_phases (
  id text primary key,
  subscription_id text not null references subscriptions (id),
  starts_at timestamptz not null,
  created_at timestamptz not null,
  unique (subscription_id, starts_at)
);

create table subscription_items (
  id text primary key,
  phase_id text not null references subscription_phases (id),
  subscription_id text not null references subscriptions (id),
  price_id text not null,
  -- The price version in force when the item was sold: later versions never reach it.
  price_version_id text not null,
  quantity numeric not null check (quantity >= 0),
  metered boolean not null default false,
  description text not null,
  unique (phase_id, price_id)
);
create index subscription_items_subscription on subscription_items (subscription_id);

create table subscription_pauses (
  subscription_id text not null references subscriptions (id),
  paused_at timestamptz not null,
  resumed_at timestamptz,
  primary key (subscription_id, paused_at)
);

create table subscription_changes (
  id text primary key,
  subscription_id text not null references subscriptions (id),
  kind text not null,
  effective_at timestamptz not null,
  proration_behavior text not null,
  before jsonb,
  after jsonb not null,
  lines jsonb not null default '[]',
  request_id text,
  created_at timestamptz not null
);
create index subscription_changes_subscription on subscription_changes (subscription_id, id);

-- Proration lines waiting for an invoice (or, with invoice_now, to be invoiced at once).
create table subscription_proration_lines (
  id text primary key,
  subscription_id text not null references subscriptions (id),
  change_id text not null references subscription_changes (id),
  description text not null,
  period_start timestamptz not null,
  period_end timestamptz not null,
  quantity numeric not null,
  unit_amount numeric,
  amount numeric not null,
  currency text not null,
  price_id text not null,
  price_version_id text not null,
  invoice_now boolean not null,
  explanation text not null,
  invoice_id text,
  created_at timestamptz not null
);
create index subscription_proration_lines_pending
  on subscription_proration_lines (subscription_id) where invoice_id is null;

-- The customers module has no proration default, so this module keeps it.
create table subscription_customer_defaults (
  customer_id text primary key,
  proration_behavior text not null check (proration_behavior in ('create_prorations', 'always_invoice', 'none')),
  updated_at timestamptz not null
);
