-- The audit log is an append-only hash chain, maintained by the database itself so that every writer is
-- chained: appendAudit, other services, and ad-hoc SQL alike.
--
--   hash = sha256( prev_hash || canonical JSON of (id, ts, actor, action, subject, detail) ), hex
--
-- The canonical JSON is built by audit_row_canonical() below, and again, byte for byte, by
-- canonicalAuditRow() in packages/audit/src/audit-chain.ts, which recomputes the chain (`floor audit verify`).
-- jsonb columns appear as Postgres prints jsonb (keys sorted, fixed spacing): that text is a function of the
-- value alone, so the verifier reads `actor::text` / `detail::text` and needs no JSON canonicaliser of its own.

-- The head of the chain: one row holding the last id and hash. Appending takes its row lock, which
-- serialises writers (the chain never forks) and, unlike a read of MAX(id), stays correct under REPEATABLE
-- READ: a writer whose snapshot predates another's append fails with a serialization error instead of
-- chaining to a stale head. Only the trigger (SECURITY DEFINER) writes it; floor_app has no privilege on it.
CREATE TABLE audit_chain_head (
  singleton boolean PRIMARY KEY DEFAULT true CHECK (singleton),
  last_id bigint,
  last_hash text NOT NULL
);
--> statement-breakpoint
COMMENT ON TABLE audit_chain_head IS 'Last id and hash of the audit_log chain (one row), written only by the audit_log_chain trigger';
--> statement-breakpoint
CREATE FUNCTION audit_ts_text(ts timestamptz) RETURNS text
LANGUAGE sql STABLE STRICT PARALLEL SAFE AS $$
  -- UTC, microseconds, always 6 digits: 2025-01-31T09:05:01.000250Z
  SELECT to_char(ts AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')
$$;
--> statement-breakpoint
CREATE FUNCTION audit_row_canonical(id bigint, ts timestamptz, actor jsonb, action text, subject text, detail jsonb)
RETURNS text
LANGUAGE sql STABLE STRICT PARALLEL SAFE AS $$
  SELECT '{"id":' || id::text
      || ',"ts":' || to_jsonb(public.audit_ts_text(ts))::text
      || ',"actor":' || actor::text
      || ',"action":' || to_jsonb(action)::text
      || ',"subject":' || to_jsonb(subject)::text
      || ',"detail":' || detail::text
      || '}'
$$;
--> statement-breakpoint
CREATE FUNCTION audit_row_hash(prev_hash text, id bigint, ts timestamptz, actor jsonb, action text, subject text, detail jsonb)
RETURNS text
LANGUAGE sql STABLE STRICT PARALLEL SAFE AS $$
  SELECT encode(sha256(convert_to(prev_hash || public.audit_row_canonical(id, ts, actor, action, subject, detail), 'UTF8')), 'hex')
$$;
--> statement-breakpoint
-- Chain the rows written before this migration, in id order, while no one can append.
LOCK TABLE audit_log IN EXCLUSIVE MODE;
--> statement-breakpoint
DO $$
DECLARE
  r record;
  prev text := repeat('0', 64);
  last_id_seen bigint;
BEGIN
  FOR r IN SELECT * FROM audit_log ORDER BY id LOOP
    UPDATE audit_log
       SET prev_hash = prev, hash = audit_row_hash(prev, r.id, r.ts, r.actor, r.action, r.subject, r.detail)
     WHERE id = r.id
    RETURNING hash INTO prev;
    last_id_seen := r.id;
  END LOOP;
  INSERT INTO audit_chain_head (last_id, last_hash) VALUES (last_id_seen, prev);
END $$;
--> statement-breakpoint
ALTER TABLE audit_log ALTER COLUMN prev_hash SET NOT NULL;
--> statement-breakpoint
ALTER TABLE audit_log ALTER COLUMN hash SET NOT NULL;
--> statement-breakpoint
-- Sets ts, prev_hash and hash of every new row (values a writer supplies are overwritten) and makes id order
-- chain order: the id the column default drew before the lock is kept only if it is above the head's, which
-- is the usual case; otherwise (a concurrent writer drew earlier but appended later, or an explicit id) a new
-- one is drawn under the lock. ts is the moment the row joined the chain, so it follows id order too, and no
-- writer can backdate an entry. Id gaps (rolled-back appends, redrawn ids) are normal; only hashes link rows.
CREATE FUNCTION audit_log_chain() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
  head public.audit_chain_head%ROWTYPE;
BEGIN
  SELECT * INTO STRICT head FROM public.audit_chain_head FOR UPDATE;
  IF NEW.id IS NULL OR NEW.id <= COALESCE(head.last_id, 0) THEN
    NEW.id := nextval('public.audit_log_id_seq');
  END IF;
  NEW.ts := clock_timestamp();
  NEW.prev_hash := head.last_hash;
  NEW.hash := public.audit_row_hash(head.last_hash, NEW.id, NEW.ts, NEW.actor, NEW.action, NEW.subject, NEW.detail);
  UPDATE public.audit_chain_head SET last_id = NEW.id, last_hash = NEW.hash;
  RETURN NEW;
END;
$$;
--> statement-breakpoint
CREATE TRIGGER audit_log_chain BEFORE INSERT ON audit_log FOR EACH ROW EXECUTE FUNCTION audit_log_chain();
--> statement-breakpoint
-- Facts are not edited: a correction is a new entry. (Privileges refuse these to floor_app as well, see
-- 0004_floor_roles.sql; the trigger also stops the table owner and anyone else who is not a superuser
-- deliberately disabling it, and then the chain shows the edit.)
CREATE FUNCTION audit_log_is_append_only() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'audit_log is append-only: % refused', TG_OP
    USING ERRCODE = 'insufficient_privilege', HINT = 'record a correction as a new audit entry';
END;
$$;
--> statement-breakpoint
CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE ON audit_log
  FOR EACH ROW EXECUTE FUNCTION audit_log_is_append_only();
--> statement-breakpoint
CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log
  FOR EACH STATEMENT EXECUTE FUNCTION audit_log_is_append_only();
