-- Meters: which usage events count, and how (count, sum, max, unique count,
-- latest, time-weighted sum), optionally per group of property values
-- (warehouse, service level, storage type).
--
-- A meter's values are projected on write: the ingestion transaction that
-- stores an event also stores one usage_meter_values row per meter the event
-- matches, with the number the meter aggregates already in a numeric column.
-- Measured on this machine, extracting values from jsonb was 70% of an
-- aggregation's time, so usage queries never read usage_events.properties.

create table meters (
  id text primary key,
  code text not null unique check (code ~ '^[a-z][a-z0-9_]{0,63}$'),
  name text not null,
  description text,
  event_type text not null,
  -- [{"property": "storage_type", "operator": "in", "values": ["chilled", "frozen"]}]
  filters jsonb not null default '[]',
  aggregation text not null
    check (aggregation in ('count', 'sum', 'max', 'unique_count', 'latest', 'time_weighted_sum')),
  value_property text,
  group_by text[] not null default '{}',
  -- Bumped on every change of what the meter measures (type, filters,
  -- aggregation, value property, groups); the audit log keeps each version.
  version integer not null default 1,
  status text not null check (status in ('active', 'archived')),
  metadata jsonb not null default '{}',
  created_at timestamptz not null,
  updated_at timestamptz not null,
  check ((aggregation = 'count') = (value_property is null))
);
create index meters_event_type on meters (event_type) where status = 'active';

-- One row: every meter change bumps `generation` (in the changing
-- transaction), and ingestion reads it FOR SHARE to know whether its cached
-- meters are current. The share lock also orders a meter change after the
-- ingestions in flight, so a new meter's backfill sees their events.
create table meter_generation (
  only_row boolean primary key default true check (only_row),
  generation bigint not null
);
insert into meter_generation (generation) values (0);

-- The numbers meters aggregate, one row per (meter, matching event).
-- `value` is 1 for count and unique_count; `group_key` is a jsonb object of
-- the meter's group-by properties ({} without groups); `unique_key` is the
-- counted property's value for unique_count. Partitioned by month like
-- usage_events, so a month's usage reads one partition and retention drops
-- whole partitions. event_id is usage_events.id.
create table usage_meter_values (
  meter_id text not null,
  customer_id text not null,
  ts timestamptz not null,
  value numeric not null,
  group_key jsonb not null default '{}',
  unique_key text,
  event_id uuid not null
) partition by range (ts);

-- The columns a usage query reads ride in the index, so a customer-month is
-- an index-only scan over adjacent index pages instead of one heap page per
-- value (values arrive in time order with customers interleaved, so a
-- customer's rows are spread over the whole month's heap). Measured with 10
-- million values: see docs/benchmarks.md.
create index usage_meter_values_meter_customer_ts on usage_meter_values (meter_id, customer_id, ts)
  include (value, group_key, unique_key);

-- One partition per calendar month (UTC), made before the first value of
-- that month is written. Idempotent and safe to call from concurrent writers.
create or replace function usage_meter_values_ensure_partition(month_start timestamptz) returns text
language plpgsql as $$
declare
  first_instant timestamptz := date_trunc('month', month_start at time zone 'UTC') at time zone 'UTC';
  next_instant timestamptz := first_instant + interval '1 month';
  partition_name text := 'usage_meter_values_' || to_char(first_instant at time zone 'UTC', 'YYYY_MM');
begin
  if to_regclass(partition_name) is null then
    perform pg_advisory_xact_lock(hashtext('usage_meter_values_ensure_partition'));
    if to_regclass(partition_name) is null then
      execute format(
        'create table %I partition of usage_meter_values for values from (%L) to (%L)',
        partition_name, first_instant, next_instant
      );
    end if;
  end if;
  return partition_name;
end
$$;
