-- A phase may restart the billing cycle: moving to another interval
-- (monthly → annual) ends the current period at the phase's start and begins
-- a new schedule there, with this interval and anchor. Period numbers carry
-- on from the old schedule (the period after number k is k + 1), so each
-- period is still invoiced once: first_period_index is the number of the new
-- schedule's first period. Null columns: the phase keeps the schedule in
-- force before it.
alter table subscription_phases
  add column interval_unit text check (interval_unit in ('day', 'week', 'month', 'year')),
  add column interval_count integer check (interval_count > 0),
  add column anchor_kind text check (anchor_kind in ('anniversary', 'day_of_month')),
  add column anchor_day integer check (anchor_day between 1 and 31),
  add column first_period_index integer check (first_period_index >= 0),
  add constraint subscription_phases_cycle_whole check (
    (interval_unit is null) = (interval_count is null)
    and (interval_unit is null) = (anchor_kind is null)
    and (interval_unit is null) = (first_period_index is null)
    and ((anchor_kind = 'day_of_month') = (anchor_day is not null))
  );
