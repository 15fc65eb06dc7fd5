-- Idempotency keys: a retried POST returns the first response and changes nothing.
-- Keys are scoped to the credential that sent them, so two API keys never collide.
create table idempotency_keys (
  scope text not null,
  key text not null,
  request_hash text not null,
  method text not null,
  path text not null,
  status_code integer,
  response_body text,
  response_headers jsonb,
  locked_until timestamptz,
  created_at timestamptz not null,
  completed_at timestamptz,
  primary key (scope, key)
);
create index idempotency_keys_created_at on idempotency_keys (created_at);

-- Outbox: domain events written in the same transaction as the change that
-- caused them; the webhook relay (src/webhooks) delivers them afterwards, so an
-- event exists exactly when its change committed.
create table outbox_events (
  seq bigserial primary key,
  id text not null unique,
  type text not null,
  data jsonb not null,
  request_id text,
  created_at timestamptz not null,
  relayed_at timestamptz
);
create index outbox_events_unrelayed on outbox_events (seq) where relayed_at is null;
