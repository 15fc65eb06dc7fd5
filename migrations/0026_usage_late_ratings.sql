-- Late events re-rate their period in a durable job (queue usage-late-rating).
-- Ingestion records here, in the transaction that sends the job, each rated
-- period that accepted events; the job re-rates the period (its draft, or an
-- adjustment on the next invoice when it is finalized) and then deletes the
-- row. The row is what a test clock's advance runs for its customers, in
-- period order, so a clock sees its late events rated before it bills; and a
-- row left behind says a re-rating is still owed (the job's failure is in
-- /v1/jobs).
--
-- * One row per customer and period: a burst of batches for one period is
--   one row, as it is one waiting job.
-- * requests counts the batches since the row was made; the job deletes the
--   row only when no batch arrived while it rated, so events stored during a
--   rating are never taken for rated.
-- * No foreign key to customers: written on the ingestion path, like the
--   usage tables; deleted with a test clock's customers through
--   test_clock_customer_tables.

create table usage_late_ratings (
  customer_id text not null,
  period_start timestamptz not null,
  period_end timestamptz not null,
  requests bigint not null default 1,
  first_requested_at timestamptz not null,
  last_requested_at timestamptz not null,
  primary key (customer_id, period_start, period_end),
  check (period_start < period_end)
);

insert into test_clock_customer_tables (table_name) values ('usage_late_ratings');
