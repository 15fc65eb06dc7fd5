-- Access: users, web sessions, API keys, approvals (maker-checker) and the
-- hash-chained audit log. Secrets are never stored: passwords as argon2id
-- hashes, session tokens and API keys as SHA-256 hashes.

create table users (
  id text primary key,
  email text not null,
  name text not null,
  role text not null,
  password_hash text not null,
  disabled boolean not null default false,
  disabled_at timestamptz,
  last_login_at timestamptz,
  created_at timestamptz not null,
  updated_at timestamptz not null
);
-- One account per mailbox whatever the case it was typed in; login looks up lower(email).
create unique index users_email_unique on users (lower(email));

create table sessions (
  id text primary key,
  token_hash text not null unique,
  user_id text not null references users (id) on delete cascade,
  -- Compared with the X-CSRF-Token header on every cookie-authenticated write.
  csrf_token text not null,
  created_at timestamptz not null,
  last_seen_at timestamptz not null,
  -- The absolute limit (7 days); the idle limit is computed from last_seen_at.
  expires_at timestamptz not null
);
create index sessions_user on sessions (user_id);
create index sessions_expires_at on sessions (expires_at);

create table api_keys (
  id text primary key,
  name text not null,
  role text not null,
  secret_hash text not null unique,
  last_four text not null,
  hint text not null,
  -- The actor who created it (usr_…, key_… or a process name) and the person behind it.
  created_by text not null,
  created_by_user_id text,
  created_at timestamptz not null,
  last_used_at timestamptz,
  revoked_at timestamptz,
  revoked_by text
);

create table approvals (
  id text primary key,
  action text not null,
  object_type text not null,
  object_id text not null,
  payload jsonb not null,
  summary text not null,
  status text not null check (status in ('pending', 'approved', 'rejected')),
  requested_by text not null,
  requested_by_user_id text,
  requested_by_name text,
  decided_by text,
  decided_by_name text,
  comment text,
  request_id text,
  created_at timestamptz not null,
  decided_at timestamptz,
  check ((status = 'pending') = (decided_at is null))
);
create index approvals_status on approvals (status, id);
create index approvals_action on approvals (action, id);

-- The audit log: append-only, each row hashed together with the previous
-- row's hash in its chain, so an edited, deleted or inserted row breaks that
-- chain (verified by `accrue audit verify` and GET /v1/audit_events/verify).
--
-- The log is AUDIT_CHAINS = 16 independent chains. A transaction appends to
-- chain pg_backend_pid() % 16 (the ledger's balance slots use the same idea),
-- so audited writes on different connections never wait for one another;
-- one chain would put every audited write in the product in a single line
-- behind one row lock held until commit. With 16 chains, the API's 20
-- connections and the job runner's 4 share a chain only a few at a time (and
-- wait only when two of them append at once), while verification and the
-- head digest stay cheap; it is also the ledger's slot count.
--
-- chain_seq is assigned by the appender (its chain head's seq + 1) rather
-- than by a sequence: a sequence value consumed by a transaction that rolls
-- back leaves a gap, and a gap is exactly what a deleted row looks like.
-- seq, from a sequence, orders the whole log for listing and paging; its
-- gaps mean nothing.
create sequence audit_events_seq;
create table audit_events (
  seq bigint primary key default nextval('audit_events_seq'),
  chain smallint not null check (chain between 0 and 15),
  chain_seq bigint not null,
  id text not null unique,
  actor_type text not null,
  actor_id text not null,
  actor_name text,
  action text not null,
  object_type text not null,
  object_id text not null,
  before jsonb,
  after jsonb,
  reason text,
  request_id text,
  occurred_at timestamptz not null,
  prev_hash text not null,
  hash text not null,
  unique (chain, chain_seq)
);
alter sequence audit_events_seq owned by audit_events.seq;
create index audit_events_object on audit_events (object_type, object_id, seq);
create index audit_events_actor on audit_events (actor_id, seq);
create index audit_events_action on audit_events (action, seq);
create index audit_events_occurred_at on audit_events (occurred_at, seq);

-- Each chain's head: its last appended chain_seq and hash. An appender locks
-- its chain's head row until commit, which keeps that chain one line; the
-- heads also let verification notice rows cut off the end of a chain.
create table audit_chain_heads (
  chain smallint primary key check (chain between 0 and 15),
  seq bigint not null,
  hash text not null
);
insert into audit_chain_heads (chain, seq, hash) select chain, 0, repeat('0', 64) from generate_series(0, 15) as chain;

-- What a row's hash covers: sha256 over the UTF-8 text of a JSON array of
-- prev_hash and every column but hash, as PostgreSQL renders jsonb. The
-- verifier (audit-chain.ts, auditHash) builds the same text in JavaScript from
-- the stored columns (before and after read as jsonb text), so a row hashed
-- here is checked by code that does not trust this function. Scalars are
-- strings, so no number formatting has to agree; occurred_at is ISO 8601 in
-- UTC at millisecond precision, as JavaScript's toISOString writes it.
create function audit_event_hash(e audit_events) returns text language sql stable as $$
  select encode(sha256(convert_to(jsonb_build_array(
    e.prev_hash, e.chain::text, e.chain_seq::text, e.seq::text, e.id,
    e.actor_type, e.actor_id, e.actor_name, e.action, e.object_type, e.object_id,
    e.before, e.after, e.reason, e.request_id,
    to_char(e.occurred_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')
  )::text, 'UTF8')), 'hex')
$$;

-- Appends one row in one statement: lock this connection's chain head, hash,
-- insert (the trigger below checks the link and moves the head). The head
-- stays locked until the caller's transaction commits.
create function audit_append(
  p_id text, p_actor_type text, p_actor_id text, p_actor_name text, p_action text,
  p_object_type text, p_object_id text, p_before jsonb, p_after jsonb,
  p_reason text, p_request_id text, p_occurred_at timestamptz
) returns setof audit_events language plpgsql as $$
declare
  head audit_chain_heads;
  e audit_events;
begin
  select * into strict head from audit_chain_heads where chain = pg_backend_pid() % 16 for update;
  -- seq is drawn after the lock, so within a chain seq grows with chain_seq.
  e := row(nextval('audit_events_seq'), head.chain, head.seq + 1, p_id, p_actor_type, p_actor_id, p_actor_name,
    p_action, p_object_type, p_object_id, p_before, p_after, p_reason, p_request_id,
    date_trunc('milliseconds', p_occurred_at), head.hash, null);
  e.hash := audit_event_hash(e);
  insert into audit_events select e.*;
  return next e;
end;
$$;

create function audit_refuse_change() returns trigger language plpgsql as $$
begin
  raise exception '% is append-only: % refused', tg_table_name, tg_op using errcode = '42501';
end;
$$;

create trigger audit_events_append_only before update or delete on audit_events
  for each row execute function audit_refuse_change();
create trigger audit_events_no_truncate before truncate on audit_events
  for each statement execute function audit_refuse_change();

-- Every insert must extend its chain exactly at the head, with the hash of
-- its content; the head then moves.
create function audit_events_link() returns trigger language plpgsql as $$
declare
  head audit_chain_heads;
begin
  select * into head from audit_chain_heads where chain = new.chain for update;
  if not found or new.chain_seq <> head.seq + 1 or new.prev_hash <> head.hash then
    raise exception 'audit event chain % seq % does not extend the chain head (seq %)', new.chain, new.chain_seq, head.seq
      using errcode = '42501';
  end if;
  if new.hash is distinct from audit_event_hash(new) then
    raise exception 'audit event chain % seq %: hash does not match the content', new.chain, new.chain_seq
      using errcode = '42501';
  end if;
  update audit_chain_heads set seq = new.chain_seq, hash = new.hash where chain = new.chain;
  return new;
end;
$$;
create trigger audit_events_link before insert on audit_events
  for each row execute function audit_events_link();

-- Heads move only from the trigger above (trigger depth 2), never by hand.
create function audit_chain_head_guard() returns trigger language plpgsql as $$
begin
  if tg_op <> 'UPDATE' or pg_trigger_depth() < 2 then
    raise exception 'audit_chain_heads move only when an audit event is appended' using errcode = '42501';
  end if;
  return new;
end;
$$;
create trigger audit_chain_head_guard before update or delete on audit_chain_heads
  for each row execute function audit_chain_head_guard();
create trigger audit_chain_head_no_truncate before truncate on audit_chain_heads
  for each statement execute function audit_refuse_change();
