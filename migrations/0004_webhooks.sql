-- Durable jobs: the queue itself lives in pg-boss's own schema (installed by
-- src/jobs/setup.ts with pg-boss's installer, so it always matches the
-- installed version). What Accrue adds is the effect ledger that makes a
-- handler "exactly once in effect": the handler writes its effect and this row
-- in one transaction, so a re-run after a crash finds the row and does nothing.
create table job_effects (
  job_key text primary key,
  queue text,
  performed_at timestamptz not null
);

-- Webhook endpoints: where Accrue sends events, Stripe-like.
create table webhook_endpoints (
  id text primary key,
  url text not null,
  description text,
  enabled_events text[] not null,
  status text not null check (status in ('enabled', 'disabled')),
  metadata jsonb not null default '{}',
  created_at timestamptz not null,
  updated_at timestamptz not null
);

-- Signing secrets. The raw secret is kept because an HMAC needs it to sign;
-- it is shown to people only when created or rotated. A secret signs while
-- expires_at is null or still ahead, so during a rotation every delivery
-- carries one signature per active secret.
create table webhook_endpoint_secrets (
  endpoint_id text not null references webhook_endpoints (id) on delete cascade,
  secret text not null,
  created_at timestamptz not null,
  expires_at timestamptz,
  primary key (endpoint_id, secret)
);

-- One row per event that went to at least one endpoint: the body of every
-- attempt is rebuilt from it, so retries send the same bytes' meaning.
create table webhook_events (
  id text primary key,
  outbox_event_id text unique,
  type text not null,
  data jsonb not null,
  created_at timestamptz not null
);

create table webhook_deliveries (
  id text primary key,
  endpoint_id text not null references webhook_endpoints (id) on delete cascade,
  event_id text not null references webhook_events (id),
  state text not null check (state in ('pending', 'succeeded', 'failed', 'exhausted')),
  attempt_count integer not null default 0,
  first_attempt_at timestamptz,
  last_attempt_at timestamptz,
  next_attempt_at timestamptz,
  created_at timestamptz not null,
  unique (endpoint_id, event_id)
);
-- The due-deliveries job reads only what is waiting.
create index webhook_deliveries_due on webhook_deliveries (next_attempt_at) where state in ('pending', 'failed');

create table webhook_delivery_attempts (
  delivery_id text not null references webhook_deliveries (id) on delete cascade,
  attempt integer not null,
  attempted_at timestamptz not null,
  status_code integer,
  response_excerpt text,
  duration_ms integer not null,
  error text,
  succeeded boolean not null,
  primary key (delivery_id, attempt)
);
