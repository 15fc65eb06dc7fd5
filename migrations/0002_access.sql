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
-- row's hash, so an edited, deleted or inserted row breaks the chain
-- (verified by `accrue audit verify` and GET /v1/audit_events/verify).
--
-- seq is assigned by the appender (head.seq + 1) rather than by a sequence:
-- a sequence value consumed by a transaction that rolls back leaves a gap,
-- and a gap is exactly what a deleted row looks like.
create table audit_events (
  seq bigint primary key,
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
  hash text not null
);
create index audit_events_object on audit_events (object_type, object_id, seq);
create index audit_events_actor on audit_events (actor_id, seq);
create index audit_events_action on audit_events (action, seq);
create index audit_events_occurred_at on audit_events (occurred_at, seq);

-- The chain head: the last appended seq and hash. Appenders lock this one row
-- (select … for update), which serialises appends into one line; it also lets
-- verification notice rows cut off the end of the chain.
create table audit_chain_head (
  singleton boolean primary key default true check (singleton),
  seq bigint not null,
  hash text not null
);
insert into audit_chain_head (seq, hash) values (0, repeat('0', 64));

create function audit_refuse_change() returns trigger language plpgsql as $$
begin
  raise exception '% is append-only: % refused', tg_table_name, tg_op using errcode = '42501';
end;
$$;

create trigger audit_events_append_only before update or delete on audit_events
  for each row execute function audit_refuse_change();
create trigger audit_events_no_truncate before truncate on audit_events
  for each statement execute function audit_refuse_change();

-- Every insert must extend the chain exactly at its head; the head then moves.
create function audit_events_link() returns trigger language plpgsql as $$
declare
  head_seq bigint;
  head_hash text;
begin
  select seq, hash into head_seq, head_hash from audit_chain_head for update;
  if new.seq <> head_seq + 1 or new.prev_hash <> head_hash then
    raise exception 'audit event seq % does not extend the chain head (seq %)', new.seq, head_seq
      using errcode = '42501';
  end if;
  update audit_chain_head set seq = new.seq, hash = new.hash;
  return new;
end;
$$;
create trigger audit_events_link before insert on audit_events
  for each row execute function audit_events_link();

-- The head moves only from the trigger above (trigger depth 2), never by hand.
create function audit_chain_head_guard() returns trigger language plpgsql as $$
begin
  if tg_op <> 'UPDATE' or pg_trigger_depth() < 2 then
    raise exception 'audit_chain_head moves only when an audit event is appended' using errcode = '42501';
  end if;
  return new;
end;
$$;
create trigger audit_chain_head_guard before update or delete on audit_chain_head
  for each row execute function audit_chain_head_guard();
create trigger audit_chain_head_no_truncate before truncate on audit_chain_head
  for each statement execute function audit_refuse_change();
