-- Two ingestions making the same month's partition at once: the second
-- waited on the advisory lock while the first created the table, but its
-- catalog lookup after the lock could still miss the table just committed
-- (an advisory lock is not a relation lock, so the session's catalog cache
-- was not refreshed), and its batch failed with "relation already exists"
-- (a 500 to the sender). Concurrent first batches of a month show it (the
-- ingestion benchmark did). A partition that exists by the time it is
-- created is the outcome wanted, so that error now means done. The events'
-- and the meter values' partitions are made by one function.

create function usage_month_partition(parent text, month_start timestamptz) returns text
language plpgsql as $$
declare
  first_instant timestamptz := date_trunc('month', month_start at time zone 'UTC') at time zone 'UTC';
  next_instant timestamptz := first_instant + interval '1 month';
  partition_name text := parent || '_' || to_char(first_instant at time zone 'UTC', 'YYYY_MM');
begin
  if to_regclass(partition_name) is null then
    perform pg_advisory_xact_lock(hashtext('usage_month_partition:' || parent));
    if to_regclass(partition_name) is null then
      begin
        execute format(
          'create table %I partition of %I for values from (%L) to (%L)',
          partition_name, parent, first_instant, next_instant
        );
      exception when duplicate_table then
        null;
      end;
    end if;
  end if;
  return partition_name;
end
$$;

create or replace function usage_ensure_partition(month_start timestamptz) returns text
language sql as $$ select usage_month_partition('usage_events', month_start) $$;

create or replace function usage_meter_values_ensure_partition(month_start timestamptz) returns text
language sql as $$ select usage_month_partition('usage_meter_values', month_start) $$;
