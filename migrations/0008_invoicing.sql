-- Invoicing: invoices and their lines, gapless number series, and pending
-- invoice items waiting for a customer's next invoice. Money is numeric,
-- never float; unit amounts keep 12 decimals, everything else is rounded to
-- the currency's minor unit by the pure assembly before it is stored.

create table invoices (
  id text primary key,
  customer_id text not null references customers (id),
  currency text not null check (currency ~ '^[A-Z]{3}$'),
  status text not null check (status in ('draft', 'open', 'paid', 'void', 'uncollectible')),
  -- Null while draft: a number is only taken when the invoice is finalized.
  number text unique,
  series text not null default 'INV',
  legal_entity text not null default 'default',
  issue_date date,
  due_date date,
  period_start timestamptz,
  period_end timestamptz,
  po_number text,
  memo text,
  -- The buyer as printed: name, addresses, tax ids, locale and zone, refreshed at finalization.
  addresses jsonb not null,
  subtotal numeric not null default 0,
  discount numeric not null default 0,
  tax numeric not null default 0,
  total numeric not null default 0,
  amount_due numeric not null default 0,
  ledger_entry_id text,
  subscription_id text,
  period_index integer,
  created_at timestamptz not null,
  finalized_at timestamptz,
  voided_at timestamptz,
  uncollectible_at timestamptz,
  -- A subscription period is invoiced once, whoever runs billing and however often.
  constraint invoices_subscription_period_once unique (subscription_id, period_index),
  check ((subscription_id is null) = (period_index is null)),
  check ((status = 'draft') = (number is null))
);

create index invoices_customer on invoices (customer_id, id);
create index invoices_status on invoices (status, id);

create table invoice_lines (
  id text primary key,
  invoice_id text not null references invoices (id) on delete cascade,
  position integer not null,
  description text not null,
  period_start timestamptz,
  period_end timestamptz,
  quantity numeric not null,
  unit_amount numeric(38, 12) not null,
  amount numeric not null,
  proration boolean not null default false,
  source_type text not null check (source_type in ('manual', 'invoice_item', 'subscription')),
  source_id text,
  product_id text,
  -- Percent ("20" for 20 %) and the name printed beside it; 0 when the line carries no tax.
  tax_rate numeric not null default 0,
  tax_name text not null default 'No tax',
  tax_amount numeric not null default 0,
  check ((period_start is null) = (period_end is null))
);

create index invoice_lines_invoice on invoice_lines (invoice_id, position);

-- One row per legal entity, prefix and year; finalization locks the row, so
-- numbers are handed out one at a time and a rolled-back finalization gives
-- its number back.
create table invoice_number_series (
  legal_entity text not null,
  prefix text not null,
  year integer not null,
  next_number bigint not null default 1 check (next_number >= 1),
  primary key (legal_entity, prefix, year)
);

-- One-off charges that join the customer's next draft invoice.
create table invoice_items (
  id text primary key,
  customer_id text not null references customers (id),
  currency text not null check (currency ~ '^[A-Z]{3}$'),
  description text not null,
  quantity numeric not null,
  unit_amount numeric(38, 12) not null,
  product_id text,
  period_start timestamptz,
  period_end timestamptz,
  tax_rate numeric not null default 0,
  tax_name text not null default 'No tax',
  -- Set when a draft takes the item; null while it is pending.
  invoice_id text references invoices (id) on delete set null,
  created_at timestamptz not null
);

create index invoice_items_pending on invoice_items (customer_id, currency) where invoice_id is null;
