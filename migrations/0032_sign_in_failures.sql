-- Failed sign-ins, counted per email and per client address over a sliding
-- window (src/access/model.ts, signInRetryAfter). Rows older than a day are
-- removed as new failures arrive; a successful sign-in removes its email's rows.

create table sign_in_failures (
  id bigint generated always as identity primary key,
  email text not null,
  address text not null,
  failed_at timestamptz not null
);

create index sign_in_failures_email on sign_in_failures (email, failed_at desc);
create index sign_in_failures_address on sign_in_failures (address, failed_at desc);
create index sign_in_failures_failed_at on sign_in_failures (failed_at);
