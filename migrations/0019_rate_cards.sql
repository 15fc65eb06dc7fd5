-- Rate cards: named rates (pick_first_unit = 2.75) that Lua charge scripts
-- read. One default card per currency; a customer's card holds only the codes
-- it overrides and is laid over the default when rates are resolved, so a
-- change to the default reaches every customer who did not override that code.
-- customer_id is a cus_ id owned by the customers module (no foreign key
-- across modules).
create table rate_cards (
  id text primary key,
  kind text not null check (kind in ('default', 'customer')),
  currency text not null check (currency ~ '^[A-Z]{3}$'),
  customer_id text,
  name text not null,
  created_at timestamptz not null,
  check ((kind = 'default') = (customer_id is null))
);
create unique index rate_cards_default_currency on rate_cards (currency) where kind = 'default';
create unique index rate_cards_customer on rate_cards (customer_id) where kind = 'customer';

-- Each edit is a new version: a draft, then pending a second person's
-- approval, then approved (in force from effective_from) or rejected.
-- rates: {"pick_first_unit": {"value": "2.75", "unit": "order", "description": null}}
-- with every value a decimal string. effective_from null on a draft means
-- "from the moment it is approved".
create table rate_card_versions (
  id text primary key,
  rate_card_id text not null references rate_cards (id),
  number integer not null check (number >= 1),
  status text not null check (status in ('draft', 'pending_approval', 'approved', 'rejected')),
  effective_from timestamptz,
  rates jsonb not null,
  note text,
  created_by text not null,
  -- Everyone who shaped the draft: none of them may approve it.
  edited_by text[] not null,
  approval_id text,
  approved_by text,
  approved_at timestamptz,
  created_at timestamptz not null,
  updated_at timestamptz not null,
  unique (rate_card_id, number),
  check (status <> 'approved' or (effective_from is not null and approved_at is not null))
);
create index rate_card_versions_in_force on rate_card_versions (rate_card_id, effective_from desc)
  where status = 'approved';

-- An approved version is what charges were rated with: it never changes, and
-- neither does a rejected one (the record of what was refused).
create function rate_card_versions_refuse_change() returns trigger language plpgsql as $$
begin
  if tg_op = 'DELETE' or old.status in ('approved', 'rejected') then
    raise exception 'rate card version % is % and cannot change', old.id, old.status using errcode = '42501';
  end if;
  return new;
end;
$$;
create trigger rate_card_versions_frozen before update or delete on rate_card_versions
  for each row execute function rate_card_versions_refuse_change();
