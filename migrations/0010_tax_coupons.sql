-- Tax rates, coupons and discounts, and the figures the pricing path stores
-- on each invoice (discounts, credit applied, tax breakdown). A customer's
-- credit balance is not a table: it is the customer's 2300 ledger account.

-- One row per rate and period: a rate change is a new row, the old one gets
-- an effective_to. Overlaps for the same place are refused by the service
-- under a lock on (country, region).
create table tax_rates (
  id text primary key,
  country text not null check (country ~ '^[A-Z]{2}$'),
  region text check (region is null or region ~ '^[A-Z0-9]{1,3}$'),
  percentage numeric not null check (percentage >= 0 and percentage <= 100),
  name text not null,
  -- Prices billed under this rate already hold the tax (consumer prices in the EU, AU, GB).
  inclusive boolean not null default false,
  effective_from date not null,
  -- Exclusive: the day the next rate starts; null while in force.
  effective_to date,
  created_at timestamptz not null,
  updated_at timestamptz not null,
  check (effective_to is null or effective_to > effective_from)
);

create index tax_rates_place on tax_rates (country, region, effective_from);

create table coupons (
  id text primary key,
  name text not null,
  percent_off numeric check (percent_off is null or (percent_off > 0 and percent_off <= 100)),
  amount_off numeric check (amount_off is null or amount_off > 0),
  currency text check (currency is null or currency ~ '^[A-Z]{3}$'),
  duration text not null check (duration in ('once', 'repeating', 'forever')),
  duration_periods integer check (duration_periods is null or duration_periods >= 1),
  max_redemptions integer check (max_redemptions is null or max_redemptions >= 1),
  -- Last day it can be redeemed, inclusive.
  redeem_by date,
  -- Counted under the coupon's row lock when a discount is granted.
  times_redeemed integer not null default 0,
  archived_at timestamptz,
  created_at timestamptz not null,
  updated_at timestamptz not null,
  check ((percent_off is null) <> (amount_off is null)),
  check ((amount_off is null) = (currency is null)),
  check ((duration = 'repeating') = (duration_periods is not null)),
  check (max_redemptions is null or times_redeemed <= max_redemptions)
);

-- A coupon redeemed by a customer, for all their invoices or one subscription's.
create table discounts (
  id text primary key,
  coupon_id text not null references coupons (id),
  customer_id text not null references customers (id),
  subscription_id text,
  created_at timestamptz not null,
  ended_at timestamptz
);

create index discounts_customer on discounts (customer_id, id);

-- Which invoices a discount reduced and by how much: a repeating discount
-- counts these rows (of invoices not voided) to know when it is used up.
create table invoice_discounts (
  invoice_id text not null references invoices (id) on delete cascade,
  discount_id text not null references discounts (id),
  coupon_id text not null,
  amount numeric not null,
  primary key (discount_id, invoice_id)
);

create index invoice_discounts_invoice on invoice_discounts (invoice_id);

alter table invoices
  add column total_excluding_tax numeric not null default 0,
  -- Taken from the customer's credit balance at finalization; zero on drafts.
  add column credit_applied numeric not null default 0,
  -- [{coupon_id, discount_id, name, amount}] as printed.
  add column discounts jsonb not null default '[]',
  -- [{kind, tax_rate_id, name, percentage, taxable_amount, tax_amount}] as printed.
  add column tax_breakdown jsonb not null default '[]';

update invoices set total_excluding_tax = total - tax;

-- tax_override: the line's tax_rate/tax_name were typed for it and win over
-- the invoice's treatment; otherwise the pricing path writes them.
alter table invoice_lines
  add column tax_override boolean not null default false,
  add column discount_amount numeric not null default 0,
  add column net_amount numeric not null default 0;

update invoice_lines set tax_override = (tax_rate <> 0 or tax_name <> 'No tax'), net_amount = amount;

alter table invoice_items
  add column tax_override boolean not null default false;

update invoice_items set tax_override = (tax_rate <> 0 or tax_name <> 'No tax');

-- {certificate_reference, expires_on}: a tax exemption certificate on file.
alter table customers
  add column tax_exemption jsonb;
