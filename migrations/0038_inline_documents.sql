-- Invoice views, a few kilobytes of JSON each, are written twice when an
-- invoice is made or finalized: as the audit row's after and as the outbox
-- event's data. At PostgreSQL's default a row over about 2 kB has its
-- large values compressed (pglz) and moved to the TOAST table, which cost a
-- billing run about a tenth of the database's time per invoice for documents
-- that are read rarely (the audit log) or once (the outbox relay). These two
-- tables now keep rows of up to a page inline and uncompressed; only larger
-- rows are compressed and moved out, as before. Rows already stored stay as
-- they are.
alter table audit_events set (toast_tuple_target = 8160);
alter table outbox_events set (toast_tuple_target = 8160);
