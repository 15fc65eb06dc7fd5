-- Backtests of charge-script versions: a version (usually a draft) run over
-- a past period's stored events, compared with what the versions in force
-- at each event's timestamp charge. Only the last backtest of each version
-- is kept (a new run replaces it), so the script editor can page a large
-- result and export it without running it again. Nothing here is billed.

create table usage_backtests (
  id text primary key,
  script_id text not null references usage_scripts (id),
  -- A draft may be deleted; its backtest goes with it.
  version_id text not null references usage_script_versions (id) on delete cascade,
  period_start timestamptz not null,
  period_end timestamptz not null,
  -- The one customer asked for, or null for every customer the script rates.
  customer_id text,
  -- Counts and totals per currency (backtest-model.ts BacktestSummary).
  summary jsonb not null,
  created_by text not null,
  created_at timestamptz not null,
  check (period_end > period_start)
);

create unique index usage_backtests_one_per_version on usage_backtests (version_id);

-- One row per customer, charge code and dimensions, in the order shown.
create table usage_backtest_rows (
  backtest_id text not null references usage_backtests (id) on delete cascade,
  position integer not null,
  customer_id text not null,
  customer_external_id text,
  currency text not null,
  code text not null,
  dimensions jsonb not null,
  -- "before": the versions in force; "after": the version backtested.
  quantity_before numeric not null,
  amount_before numeric not null,
  quantity_after numeric not null,
  amount_after numeric not null,
  primary key (backtest_id, position)
);

-- Events that one side could not rate (or both), with the script's error.
create table usage_backtest_errors (
  backtest_id text not null references usage_backtests (id) on delete cascade,
  position integer not null,
  customer_id text not null,
  -- null for a period-level (finalize) error.
  transaction_id text,
  ts timestamptz,
  before_error jsonb,
  after_error jsonb,
  primary key (backtest_id, position)
);
