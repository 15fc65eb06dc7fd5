-- Events received again (same customer and transaction id as an event
-- already stored) are kept one row per repeat, with the timestamp the repeat
-- carried, so the usage reconciliation counts a period's duplicates by their
-- own timestamps inside the customer's period [start, end), in the customer's
-- time zone, exactly as it counts received and rated events. The per-UTC-day
-- counter this replaces (usage_duplicate_counts, 0022) put a repeat sent near
-- a customer's local midnight in the wrong period for any customer outside
-- UTC (America/Los_Angeles, Pacific/Auckland), so its periods did not balance.
--
-- A plain insert per repeat, not an upserted counter: concurrent batches of
-- one customer never wait on each other's counter row, and the ingestion does
-- not look the stored event up to find its day.
--
-- The old counters carry only a UTC day and a count, not the repeats'
-- instants: each becomes one row with `duplicates` = its count at noon UTC of
-- its day (transaction_id and received_at unknown, so null). Noon is the
-- middle of the day it counted, so it falls on the customer's local day that
-- holds most of that UTC day (16–17 of its 24 hours for Los Angeles, 13 for
-- Auckland); repeats from the other hours of such a day near a period boundary
-- cannot be placed and stay in the majority day's period.

create table usage_event_duplicates (
  customer_id text not null,
  -- The repeated transaction id; null for counts carried over from usage_duplicate_counts.
  transaction_id text,
  ts timestamptz not null,
  received_at timestamptz,
  duplicates bigint not null default 1 check (duplicates > 0)
);

create index usage_event_duplicates_customer_ts on usage_event_duplicates (customer_id, ts);

insert into usage_event_duplicates (customer_id, ts, duplicates)
select customer_id, (day + time '12:00') at time zone 'UTC', duplicates
  from usage_duplicate_counts
 where duplicates > 0;

delete from test_clock_customer_tables where table_name = 'usage_duplicate_counts';
drop table usage_duplicate_counts;
insert into test_clock_customer_tables (table_name) values ('usage_event_duplicates');
