-- Usage events: the activity log a customer's systems send (warehouse
-- activity, API calls, SMS segments). Built for volume:
-- * usage_events is partitioned by month of the event's timestamp, so a
--   month's aggregation reads one partition and retention drops whole
--   partitions; partitions are made on demand by usage_ensure_partition.
-- * Dedup on (customer, transaction_id) cannot be a unique index on the
--   partitioned table (PostgreSQL requires the partition key in it, and the
--   same transaction id sent with another timestamp is still a duplicate), so
--   usage_event_keys holds one row per accepted event and its primary key is
--   the dedup: an event is stored only if its key row was inserted by the
--   same statement. Each table keeps a single index, which costs about what a
--   plain table with a primary key and a unique index would.
-- * The event id is a UUIDv7 made by the host (the API shows it as uev_…);
--   it has no index of its own: every lookup goes through the customer and
--   the timestamp, which the (customer_id, ts) index serves.

create table usage_events (
  id uuid not null,
  customer_id text not null,
  transaction_id text not null,
  type text not null,
  ts timestamptz not null,
  properties jsonb not null,
  received_at timestamptz not null,
  -- How the event arrived: api, batch, stream or import (with the file name in
  -- usage_imports), for the events explorer and the reconciliation.
  source text not null check (source in ('api', 'batch', 'stream', 'import'))
) partition by range (ts);

create index usage_events_customer_ts on usage_events (customer_id, ts);

create table usage_event_keys (
  customer_id text not null,
  transaction_id text not null,
  ts timestamptz not null,
  primary key (customer_id, transaction_id)
);

-- One partition per calendar month (UTC), made when the first event of that
-- month arrives. Idempotent and safe to call from concurrent ingestions.
create or replace function usage_ensure_partition(month_start timestamptz) returns text
language plpgsql as $$
declare
  first_instant timestamptz := date_trunc('month', month_start at time zone 'UTC') at time zone 'UTC';
  next_instant timestamptz := first_instant + interval '1 month';
  partition_name text := 'usage_events_' || to_char(first_instant at time zone 'UTC', 'YYYY_MM');
begin
  if to_regclass(partition_name) is null then
    perform pg_advisory_xact_lock(hashtext('usage_ensure_partition'));
    if to_regclass(partition_name) is null then
      execute format(
        'create table %I partition of usage_events for values from (%L) to (%L)',
        partition_name, first_instant, next_instant
      );
    end if;
  end if;
  return partition_name;
end
$$;


-- The usage rules a billing team sets once: how old an event may be and
-- still be accepted (older ones would change periods long invoiced), and how
-- many months of events are kept (null: forever). One row.
create table usage_settings (
  singleton boolean primary key default true check (singleton),
  max_event_age_days integer not null default 90 check (max_event_age_days between 1 and 3660),
  retention_months integer check (retention_months between 1 and 1200),
  updated_at timestamptz
);
insert into usage_settings (singleton) values (true);

-- Events that could not be stored (unknown customer, bad timestamp, too old):
-- nothing sent is dropped silently. `raw` is the line or JSON as received,
-- so a person can read it, fix the cause (create the customer) or the event,
-- and retry it; a retry that stores the event resolves the rejection.
create table usage_event_rejections (
  id text primary key,
  source text not null check (source in ('api', 'batch', 'stream', 'import')),
  -- The import it came from (usage_imports.id), when it came from a file.
  import_id text,
  -- 1-based line of a stream or file, 0-based index of a batch.
  line bigint,
  raw text not null,
  code text not null,
  message text not null,
  field text,
  received_at timestamptz not null,
  retry_count integer not null default 0,
  resolved_at timestamptz,
  resolved_event_id uuid
);
create index usage_event_rejections_open on usage_event_rejections (id) where resolved_at is null;

-- A file import's progress, committed with each batch: a killed import
-- started again continues after the last committed batch. A file is
-- recognised by its name, size and the hash of its first megabyte.
create table usage_imports (
  id text primary key,
  file_name text not null,
  file_size bigint not null,
  head_sha256 text not null,
  -- Offset in the uncompressed text and the last line committed.
  byte_offset bigint not null default 0,
  line_number bigint not null default 0,
  accepted bigint not null default 0,
  duplicates bigint not null default 0,
  rejected bigint not null default 0,
  status text not null default 'running' check (status in ('running', 'completed', 'abandoned')),
  started_at timestamptz not null,
  updated_at timestamptz not null,
  completed_at timestamptz
);
create index usage_imports_file on usage_imports (file_name, file_size, head_sha256) where status = 'running';
