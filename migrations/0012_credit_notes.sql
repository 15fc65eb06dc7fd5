-- Credit notes against finalized invoices: the note, its lines (one per
-- invoice line credited), the refund requests the payments module pays out,
-- and the amount per currency above which a credit note waits for a second
-- person's approval. Numbers come from invoice_number_series (prefix "CN").

create table credit_notes (
  id text primary key,
  invoice_id text not null references invoices (id),
  customer_id text not null references customers (id),
  currency text not null check (currency ~ '^[A-Z]{3}$'),
  status text not null check (status in ('pending_approval', 'issued', 'void')),
  -- Null until issued: a note waiting for approval takes no number, so a rejection leaves no gap.
  number text unique,
  legal_entity text not null,
  reason text not null check (
    reason in ('duplicate', 'product_unsatisfactory', 'order_change', 'fraudulent', 'billing_error', 'goodwill')
  ),
  outcome text not null check (outcome in ('reduce_amount_due', 'credit_balance', 'refund')),
  memo text,
  subtotal numeric not null,
  tax numeric not null,
  total numeric not null check (total > 0),
  issue_date date,
  approval_id text,
  ledger_entry_id text,
  created_at timestamptz not null,
  issued_at timestamptz,
  voided_at timestamptz,
  check ((status = 'issued') = (number is not null) or status = 'void')
);

create index credit_notes_invoice on credit_notes (invoice_id, id);
create index credit_notes_customer on credit_notes (customer_id, id);

create table credit_note_lines (
  credit_note_id text not null references credit_notes (id) on delete cascade,
  position integer not null,
  invoice_line_id text not null references invoice_lines (id),
  product_id text,
  description text not null,
  net_amount numeric not null,
  tax_amount numeric not null,
  primary key (credit_note_id, position)
);

create index credit_note_lines_invoice_line on credit_note_lines (invoice_line_id);

-- A refund the customer is owed; the payments module executes it and moves it on from 'requested'.
create table credit_note_refunds (
  credit_note_id text primary key references credit_notes (id),
  customer_id text not null references customers (id),
  currency text not null check (currency ~ '^[A-Z]{3}$'),
  amount numeric not null check (amount > 0),
  status text not null default 'requested' check (status in ('requested', 'succeeded', 'failed', 'canceled')),
  created_at timestamptz not null
);

create index credit_note_refunds_requested on credit_note_refunds (created_at) where status = 'requested';

-- A currency without a row never needs approval.
create table credit_note_settings (
  currency text primary key check (currency ~ '^[A-Z]{3}$'),
  approval_threshold numeric not null check (approval_threshold >= 0),
  updated_at timestamptz not null
);

-- What issued credit notes took off the invoice, shown beside its total.
alter table invoices add column credited_total numeric not null default 0;
