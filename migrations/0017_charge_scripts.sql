-- Lua charge scripts: named scripts, their versions (draft → pending
-- approval → published → superseded), the test cases stored with each
-- version, and which script rates which customer.
--
-- A published version is immutable: its source and test cases cannot change
-- (the triggers below refuse it even to SQL run by hand); a new version is
-- drafted instead. Each published version has an effective_from instant and
-- rates the events whose timestamp is at or after it, until the next
-- version's effective_from.

create table usage_scripts (
  id text primary key,
  name text not null unique,
  description text,
  -- The currency its rate cards price in, when the script is for one currency only.
  currency text check (currency ~ '^[A-Z]{3}$'),
  -- The script for customers without an assignment of their own; at most one.
  is_default boolean not null default false,
  created_at timestamptz not null,
  updated_at timestamptz not null
);

create unique index usage_scripts_one_default on usage_scripts (is_default) where is_default;

create table usage_script_versions (
  id text primary key,
  script_id text not null references usage_scripts (id),
  -- 1, 2, 3… per script, in the order the versions were drafted.
  number integer not null check (number > 0),
  status text not null check (status in ('draft', 'pending_approval', 'published', 'superseded')),
  source text not null,
  notes text,
  -- Who wrote it (the actor that created the draft); they may not approve it.
  author text not null,
  author_name text,
  -- The outcome of the last run of the version's test cases: on save and before publishing.
  tests_status text not null default 'none' check (tests_status in ('none', 'passing', 'failing')),
  test_results jsonb,
  tests_run_at timestamptz,
  -- Asked for when publishing; set for good when the approval is decided.
  effective_from timestamptz,
  approval_id text,
  published_at timestamptz,
  published_by text,
  superseded_at timestamptz,
  created_at timestamptz not null,
  updated_at timestamptz not null,
  unique (script_id, number),
  check (status not in ('published', 'superseded') or (effective_from is not null and published_at is not null))
);

-- scriptVersionAt: the live version with the latest effective_from at or before an instant.
create unique index usage_script_versions_effective
  on usage_script_versions (script_id, effective_from)
  where status in ('published', 'superseded');

create table usage_script_test_cases (
  id text primary key,
  version_id text not null references usage_script_versions (id) on delete cascade,
  position integer not null,
  name text not null,
  -- [{transaction_id, type, timestamp, properties}]
  events jsonb not null,
  -- {code: "decimal"}: the rate card values the case rates with.
  rates jsonb not null,
  -- {currency, time_zone, period_start, period_end}; defaults apply when absent.
  context jsonb,
  -- {charges: [{transaction_id?, code, quantity, unit_price, amount, dimensions?}], unrated: [{transaction_id, code}]}
  expected jsonb not null,
  unique (version_id, name),
  unique (version_id, position)
);

-- Which script rates a customer's events; customers without a row use the default script.
create table usage_script_assignments (
  customer_id text primary key references customers (id),
  script_id text not null references usage_scripts (id),
  assigned_at timestamptz not null
);

create index usage_script_assignments_script on usage_script_assignments (script_id);

create function usage_script_version_immutable() returns trigger
language plpgsql as $$
begin
  if old.status <> 'draft' and (new.source is distinct from old.source or new.script_id is distinct from old.script_id) then
    raise exception 'script version % is %: its source cannot change', old.id, old.status;
  end if;
  return new;
end
$$;

create trigger usage_script_versions_immutable before update on usage_script_versions
  for each row execute function usage_script_version_immutable();

create function usage_script_test_cases_immutable() returns trigger
language plpgsql as $$
declare
  version_status text;
begin
  select status into version_status from usage_script_versions
   where id = coalesce(new.version_id, old.version_id);
  if version_status is not null and version_status <> 'draft' then
    raise exception 'test cases of a % script version cannot change', version_status;
  end if;
  return coalesce(new, old);
end
$$;

create trigger usage_script_test_cases_immutable before insert or update or delete on usage_script_test_cases
  for each row execute function usage_script_test_cases_immutable();
