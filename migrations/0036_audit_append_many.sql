-- Appending many audit rows in one statement, with the chains' guarantees
-- unchanged. Until now every row went through audit_append and a row
-- trigger: a PL/pgSQL call, a trigger call and an update of the chain head
-- per row. Updated once per row inside one transaction, the head row left a
-- chain of row versions that every later update walked, so a billing run's
-- 1,000 audit rows cost more per row than its 100.
--
-- Now a many-row append locks its chain head once, hashes the rows in order
-- in memory and inserts them with one statement; a statement trigger checks
-- the whole insert at once and moves each head it touches once.

-- Appends the rows of p_rows, a JSON array of objects with the columns
-- audit_append takes (id, actor_type, actor_id, actor_name, action,
-- object_type, object_id, before, after, reason, request_id, occurred_at), in
-- the array's order, to this connection's chain: lock its head (held until
-- the caller's transaction commits), give each row the next chain_seq and a
-- seq drawn after the lock (so within a chain seq grows with chain_seq), hash
-- each row with the previous one's hash, insert them all at once.
create function audit_append_many(p_rows jsonb) returns setof audit_events language plpgsql as $$
declare
  head audit_chain_heads;
  e audit_events;
  r record;
  batch audit_events[] := '{}';
begin
  if jsonb_typeof(p_rows) is distinct from 'array' then
    raise exception 'audit_append_many takes a JSON array of audit events' using errcode = '22023';
  end if;
  if jsonb_array_length(p_rows) = 0 then
    return;
  end if;
  select * into strict head from audit_chain_heads where chain = pg_backend_pid() % 16 for update;
  for r in
    select x.*
      from rows from (jsonb_to_recordset(p_rows) as (
             id text, actor_type text, actor_id text, actor_name text, action text, object_type text,
             object_id text, before jsonb, after jsonb, reason text, request_id text, occurred_at timestamptz))
           with ordinality as x(id, actor_type, actor_id, actor_name, action, object_type,
                                object_id, before, after, reason, request_id, occurred_at, position)
     order by x.position
  loop
    e := row(nextval('audit_events_seq'), head.chain, head.seq + 1, r.id, r.actor_type, r.actor_id, r.actor_name,
      r.action, r.object_type, r.object_id, r.before, r.after, r.reason, r.request_id,
      date_trunc('milliseconds', r.occurred_at), head.hash, null);
    e.hash := audit_event_hash(e);
    head.seq := e.chain_seq;
    head.hash := e.hash;
    batch := batch || e;
  end loop;
  return query insert into audit_events select * from unnest(batch) returning *;
end;
$$;

-- Every insert, of one row or many, by audit_append, audit_append_many or by
-- hand, must extend each chain it touches exactly at the head: per chain, in
-- chain_seq order, chain_seq runs on from the head's seq without a gap, the
-- first row's prev_hash is the head's hash and every other row's is the hash
-- of the row before it, and every hash is the hash of its row's content.
-- Anything else refuses the whole statement. Then each head moves once, to
-- its chain's last row. Checked after the statement, over all its rows at
-- once (the statement's new rows as a transition table); the heads are
-- locked in chain order, so two inserts touching the same chains cannot
-- deadlock on them. audit_append (one row) is checked the same way.
drop trigger audit_events_link on audit_events;
drop function audit_events_link();

create function audit_events_link() returns trigger language plpgsql as $$
declare
  bad record;
begin
  -- Lock the heads of the chains touched, in chain order; the check below
  -- then reads them as their last committer left them.
  perform 1 from audit_chain_heads where chain in (select chain from new_rows) order by chain for update;
  select n.chain, n.chain_seq, h.chain is not null and n.chain_seq = h.seq + n.position
           and n.prev_hash = coalesce(n.previous_hash, h.hash) as linked,
         h.seq + n.position - 1 as previous_seq
    into bad
    from (select r.*,
                 row_number() over w as position,
                 lag(r.hash) over w as previous_hash
            from new_rows r
          window w as (partition by r.chain order by r.chain_seq)) n
    left join audit_chain_heads h on h.chain = n.chain
   where h.chain is null
      or n.chain_seq <> h.seq + n.position
      or n.prev_hash <> coalesce(n.previous_hash, h.hash)
      or n.hash is distinct from audit_event_hash(row(n.seq, n.chain, n.chain_seq, n.id, n.actor_type, n.actor_id,
           n.actor_name, n.action, n.object_type, n.object_id, n.before, n.after, n.reason, n.request_id,
           n.occurred_at, n.prev_hash, n.hash)::audit_events)
   order by n.chain, n.chain_seq
   limit 1;
  if found and not bad.linked then
    raise exception 'audit event chain % seq % does not extend the chain head (seq %)', bad.chain, bad.chain_seq,
      coalesce(bad.previous_seq::text, 'none') using errcode = '42501';
  end if;
  if found then
    raise exception 'audit event chain % seq %: hash does not match the content', bad.chain, bad.chain_seq
      using errcode = '42501';
  end if;
  -- The head guard lets this update through: it runs at trigger depth 2.
  update audit_chain_heads h
     set seq = last.chain_seq, hash = last.hash
    from (select distinct on (chain) chain, chain_seq, hash from new_rows order by chain, chain_seq desc) last
   where h.chain = last.chain;
  return null;
end;
$$;
create trigger audit_events_link after insert on audit_events
  referencing new table as new_rows
  for each statement execute function audit_events_link();
