-- Legal entities: the company that sells, as printed on its invoices and
-- credit notes (name, address, tax ids, payment instructions), where it is
-- established for VAT, and the prefixes of its number series. Finalizing an
-- invoice or issuing a credit note keeps a snapshot of the seller on the
-- document, so a later change to the entity never rewrites one already issued.

create table legal_entities (
  -- A slug chosen by the billing team ("default", "acme-uk"); invoices name it.
  id text primary key check (id ~ '^[a-z0-9][a-z0-9-]{0,39}$'),
  legal_name text not null,
  -- Same shape as a customer's address: line1, line2, city, region, postal_code, country.
  address jsonb,
  tax_ids jsonb not null default '[]',
  -- ISO 3166-1 alpha-2: where the seller is established for VAT (reverse charge).
  country text not null check (country ~ '^[A-Z]{2}$'),
  email text,
  phone text,
  payment_instructions text,
  invoice_prefix text not null unique,
  credit_note_prefix text not null unique,
  created_at timestamptz not null,
  updated_at timestamptz not null,
  -- Numbers are unique across all documents: one prefix cannot serve two series.
  check (invoice_prefix <> credit_note_prefix)
);

insert into legal_entities (
  id, legal_name, address, tax_ids, country, payment_instructions, invoice_prefix, credit_note_prefix,
  created_at, updated_at
) values (
  'default', 'Accrue Billing Ltd', null, '[]', 'DE', 'Pay by bank transfer quoting the invoice number.', 'INV', 'CN',
  now(), now()
);

alter table invoices add constraint invoices_legal_entity foreign key (legal_entity) references legal_entities (id);
alter table credit_notes add constraint credit_notes_legal_entity foreign key (legal_entity) references legal_entities (id);

-- The seller as printed, taken at finalization (invoices) or issue (credit
-- notes). Null on drafts, pending notes and documents issued before this
-- migration, which print the entity's current details.
alter table invoices add column seller jsonb;
alter table credit_notes add column seller jsonb;
