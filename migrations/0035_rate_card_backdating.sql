-- A rate card version dated before it is created or approved covers usage
-- periods already rated. What it covered when last assessed (on creation, on
-- each edit, and at approval) is kept on the version: finalized periods a
-- person corrects with a credit note or adjustment, and draft periods that
-- approval re-rates. Null when the version starts after it was approved.
alter table rate_card_versions add column affected_periods jsonb;
