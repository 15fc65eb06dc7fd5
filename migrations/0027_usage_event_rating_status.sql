-- The events explorer shows each event's rating status: its charges, or the
-- script's error, or whether a rating has covered it yet. The charges and
-- errors were indexed by period only, so finding one event's meant reading
-- its whole month; these indexes answer a page of events by their ids.
--
-- * usage_charges by event: one probe per event on the page. The ids are
--   UUIDv7 (time-ordered) and a rating inserts its charges in event order,
--   so the index grows at its right edge like the primary key.
-- * usage_rating_errors by customer and event time: the same probe for a
--   page, and the "unrated" filter reads a customer's errors newest first
--   instead of every event. Errors are the latest rating's only, so the
--   table stays as small as the number of events a script could not rate.

create index usage_charges_event on usage_charges (event_id) where event_id is not null;

create index usage_rating_errors_event on usage_rating_errors (customer_id, event_ts, event_id)
  where event_id is not null;
