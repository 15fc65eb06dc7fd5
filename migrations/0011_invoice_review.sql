-- Draft invoice review: the stored review settings (company-wide and per
-- customer), the overrides of checklist findings, and the approval a draft
-- above the approval threshold is waiting for.

-- One row for the company (customer_id null) and one per customer that has
-- its own settings. `settings` holds only what was set: anything left out
-- falls back to the company row, then to the built-in defaults.
create table invoice_review_settings (
  scope text primary key,
  customer_id text references customers (id),
  settings jsonb not null default '{}'::jsonb,
  updated_at timestamptz not null,
  check ((scope = 'company') = (customer_id is null)),
  check (customer_id is null or scope = customer_id)
);

-- A person's decision that a finding does not stop this draft. The
-- fingerprint is the finding as it stood when overridden: once the draft
-- changes so the finding reads differently, the override no longer applies.
create table invoice_finding_overrides (
  invoice_id text not null references invoices (id) on delete cascade,
  rule text not null,
  fingerprint text not null,
  reason text not null check (length(btrim(reason)) > 0),
  overridden_by text not null,
  overridden_by_name text,
  overridden_at timestamptz not null,
  primary key (invoice_id, rule)
);

-- The latest approval asked for to finalize a draft, so asking again while it
-- is pending returns it instead of opening a second one.
create table invoice_finalize_approvals (
  invoice_id text primary key references invoices (id) on delete cascade,
  approval_id text not null,
  total numeric not null,
  requested_at timestamptz not null
);
