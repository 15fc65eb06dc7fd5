-- Catalog: what is sold (products), on what terms (plans) and at what price
-- (prices, their versions and per-customer overrides), plus minimum-spend
-- commitments. Charge models are jsonb with every amount as a decimal string,
-- read back through the catalog's validation, so no float ever holds a price.

create table products (
  id text primary key,
  name text not null,
  description text,
  unit_label text,
  tax_code text,
  status text not null check (status in ('active', 'archived')),
  metadata jsonb not null default '{}',
  created_at timestamptz not null,
  updated_at timestamptz not null
);

-- Interval, currency and billing timing never change once a plan exists: the
-- subscriptions on it were sold on those terms. Make a new plan instead.
create table plans (
  id text primary key,
  name text not null,
  description text,
  interval_unit text not null check (interval_unit in ('day', 'week', 'month', 'year')),
  interval_count integer not null check (interval_count >= 1),
  currency text not null check (currency ~ '^[A-Z]{3}$'),
  billing_timing text not null check (billing_timing in ('in_advance', 'in_arrears')),
  trial_days integer not null default 0 check (trial_days >= 0),
  status text not null check (status in ('active', 'archived')),
  metadata jsonb not null default '{}',
  created_at timestamptz not null,
  updated_at timestamptz not null
);

-- A price with no plan is sold alone (one-off). Its amounts live in its
-- versions; `currency` is the price's main currency, which every version has.
create table prices (
  id text primary key,
  product_id text not null references products (id),
  plan_id text references plans (id),
  nickname text,
  currency text not null check (currency ~ '^[A-Z]{3}$'),
  billable_metric text,
  status text not null check (status in ('active', 'archived')),
  metadata jsonb not null default '{}',
  created_at timestamptz not null,
  updated_at timestamptz not null
);
create index prices_plan on prices (plan_id, id) where plan_id is not null;
create index prices_product on prices (product_id, id);

-- Each edit of a price's amounts is a new version from an instant on; a
-- subscription keeps the version it was sold on until it is changed, so
-- versions are append-only. charge_models: {"USD": {...}, "EUR": {...}}.
create table price_versions (
  id text primary key,
  price_id text not null references prices (id),
  effective_from timestamptz not null,
  charge_models jsonb not null,
  created_at timestamptz not null,
  unique (price_id, effective_from)
);

create function price_versions_refuse_change() returns trigger language plpgsql as $$
begin
  raise exception 'price versions are immutable: % refused', tg_op using errcode = '42501';
end;
$$;
create trigger price_versions_append_only before update or delete on price_versions
  for each row execute function price_versions_refuse_change();

-- A customer's own amounts for one price in one currency: a sparse patch laid
-- over whichever version is in effect, never a copy of the plan. customer_id
-- is a cus_ id owned by the customers module (no foreign key across modules).
-- A newer override ends the previous one at its effective_from.
create table price_overrides (
  id text primary key,
  price_id text not null references prices (id),
  customer_id text not null,
  currency text not null check (currency ~ '^[A-Z]{3}$'),
  patch jsonb not null,
  effective_from timestamptz not null,
  ended_at timestamptz,
  created_at timestamptz not null,
  unique (price_id, customer_id, currency, effective_from),
  check (ended_at is null or ended_at >= effective_from)
);
create index price_overrides_customer on price_overrides (customer_id, id);

-- Minimum spend per billing period or per subscription term, for everyone on
-- a plan, for one customer, or for one customer on one plan. Invoicing bills
-- the shortfall as a true-up line.
create table commitments (
  id text primary key,
  plan_id text references plans (id),
  customer_id text,
  amount numeric not null check (amount >= 0),
  currency text not null check (currency ~ '^[A-Z]{3}$'),
  scope text not null check (scope in ('period', 'term')),
  description text,
  status text not null check (status in ('active', 'archived')),
  metadata jsonb not null default '{}',
  created_at timestamptz not null,
  updated_at timestamptz not null,
  check (plan_id is not null or customer_id is not null)
);
create index commitments_plan on commitments (plan_id) where plan_id is not null;
create index commitments_customer on commitments (customer_id) where customer_id is not null;
