-- A customer is billed from one legal entity: its invoices and credit notes
-- print that entity as the seller and take numbers from its series. New
-- customers and every customer already on file are billed from "default".
alter table customers add column legal_entity text not null default 'default' references legal_entities (id);
create index customers_legal_entity on customers (legal_entity) where legal_entity <> 'default';

-- The customers list filters on a billing hold; few customers are held.
create index customers_billing_hold on customers (id) where billing_hold is not null;

-- Invoice search by number: a substring of "INV-2026-000123" ("000123", "2026-0001").
create index invoices_number_search on invoices using gin (number gin_trgm_ops) where number is not null;

-- Voiding an issued credit note keeps its number (a gapless series has no
-- holes) and posts the reversal of its entry; the reason is printed on the PDF.
alter table credit_notes add column void_reason text;
alter table credit_notes add column void_ledger_entry_id text;

-- A test clock's credit notes are numbered in the clock's own series
-- ("TC-4E7Q2M9X1B-CN"), like its invoices; the series goes with the clock.
create function test_clock_forget_credit_note_series() returns trigger language plpgsql as $$
begin
  delete from invoice_number_series where prefix = old.invoice_prefix || '-CN';
  return old;
end $$;

create trigger test_clocks_forget_credit_note_series before delete on test_clocks
  for each row execute function test_clock_forget_credit_note_series();
