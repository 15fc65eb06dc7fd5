-- Customers: billing accounts. The structured parts that are always read and
-- written together with the customer (addresses, contacts, tax ids, terms,
-- delivery, holds) are jsonb columns of its row; notes and purchase orders
-- have rows of their own because they are listed, locked and changed alone.

-- Trigram indexes make `q` (a substring search over names, emails, external
-- and tax ids) an index scan instead of a table scan. pg_trgm ships with
-- PostgreSQL and is a trusted extension (PostgreSQL 13+), so the database
-- owner may create it.
create extension if not exists pg_trgm;

create table customers (
  id text primary key,
  -- The caller's own id (CRM, ERP); every endpoint accepts it in place of ours.
  external_id text,
  legal_name text not null,
  display_name text,
  emails text[] not null default '{}',
  contacts jsonb not null default '[]',
  billing_address jsonb,
  shipping_address jsonb,
  tax_ids jsonb not null default '[]',
  currency text not null,
  time_zone text not null,
  locale text not null,
  payment_terms jsonb not null,
  invoice_delivery jsonb not null,
  po_required boolean not null default false,
  credit_limit numeric,
  -- {reason, set_by, set_by_name, set_at}; a billing hold stops invoicing,
  -- a credit hold (set by collections) stops new credit.
  billing_hold jsonb,
  credit_hold jsonb,
  tags text[] not null default '{}',
  metadata jsonb not null default '{}',
  -- Lower-case names, emails, external id and tax ids, rewritten on every save.
  search_text text not null,
  archived_at timestamptz,
  created_at timestamptz not null,
  updated_at timestamptz not null,
  check (credit_limit is null or credit_limit >= 0)
);
create unique index customers_external_id on customers (external_id) where external_id is not null;
create index customers_search_text on customers using gin (search_text gin_trgm_ops);
create index customers_tags on customers using gin (tags);

create table customer_notes (
  id text primary key,
  customer_id text not null references customers (id),
  body text not null,
  pinned boolean not null default false,
  author_type text not null,
  author_id text not null,
  author_name text,
  created_at timestamptz not null,
  updated_at timestamptz not null
);
-- The customer page lists pinned notes first, then newest first.
create index customer_notes_customer on customer_notes (customer_id, pinned desc, id desc);

create table purchase_orders (
  id text primary key,
  customer_id text not null references customers (id),
  number text not null,
  description text,
  valid_from date,
  valid_to date,
  currency text not null,
  amount_cap numeric,
  -- What invoices have consumed; the remaining balance is amount_cap - amount_consumed.
  amount_consumed numeric not null default 0,
  active boolean not null default true,
  created_at timestamptz not null,
  updated_at timestamptz not null,
  unique (customer_id, number),
  check (valid_to is null or valid_from is null or valid_to >= valid_from),
  check (amount_consumed >= 0),
  check (amount_cap is null or amount_consumed <= amount_cap)
);
