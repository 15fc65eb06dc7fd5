-- Why a period is re-rated. A period is owed a re-rating for late events
-- (ingestion) or for a backdated rate card version approved over its draft
-- (catalog approval), and both queue the same job; until now the rating it
-- made said "late_event" either way.
--
-- * usage_late_ratings keeps what the period is owed for: late events, and
--   the rate card versions whose approval asked. A second request for a
--   period already owed adds its reason to the row, so the job, which reads
--   the row when it runs, rates for every reason asked so far.
-- * usage_rating_runs says it: reason rate_card_change for a rating a rate
--   card version asked for (late_event stays for late events alone), the
--   versions that asked, and whether late events were owed too, so a
--   rating owed for both reasons says both. An adjustment of a finalized
--   period carries the same two columns. Adjustments made before this
--   migration do not say why (their columns are empty).

alter table usage_late_ratings
  add column late_events boolean not null default true,
  add column rate_card_version_ids text[] not null default '{}';
-- Rows already owed were all late events; every new row says what it is owed for.
alter table usage_late_ratings alter column late_events drop default;

alter table usage_rating_runs drop constraint usage_rating_runs_reason_check;
alter table usage_rating_runs add constraint usage_rating_runs_reason_check
  check (reason in ('billing', 'rerate', 'late_event', 'rate_card_change', 'adjustment'));
alter table usage_rating_runs
  add column rate_card_version_ids text[] not null default '{}',
  add column late_events boolean not null default false;
update usage_rating_runs set late_events = true where reason = 'late_event';
