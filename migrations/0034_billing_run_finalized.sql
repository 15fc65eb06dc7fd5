-- A billing run finalizes, as it writes them, the invoices the auto-finalize
-- job would finalize at that instant (clean, no approver needed, the
-- customer's grace period zero). Each item says whether its invoice left the
-- run finalized, and the run counts them beside the invoices it created.

alter table billing_run_items add column finalized boolean not null default false;
alter table billing_runs add column invoices_finalized integer not null default 0;
