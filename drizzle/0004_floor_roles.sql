-- Two group roles (NOLOGIN), so that what the database refuses does not depend on the code being right:
--
--   floor_app      what the floor's processes need: read and write every table, except that audit_log and
--                  ledger_entries take INSERT and SELECT only (no UPDATE, DELETE or TRUNCATE).
--   floor_auditor  read-only: SELECT on every table and view, nothing else.
--
-- Migrations run as the owner (postgres). To run the floor under floor_app, create a login role that is a member
-- and point DATABASE_URL at it (docs/audit-queries.md, "Roles"):
--   CREATE ROLE floor LOGIN PASSWORD '…' IN ROLE floor_app;
-- Members inherit the group's privileges, so nothing else changes for the processes.
--
-- Roles belong to the cluster, not to a database: the floor database, its test clones and a second floor on the
-- same server share them. Creating them is therefore idempotent, and tolerates a concurrent migration of another
-- database creating them first (duplicate_object, or unique_violation when both inserts race on pg_authid).
DO $$
BEGIN
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'floor_app') THEN
    CREATE ROLE floor_app NOLOGIN;
  END IF;
EXCEPTION WHEN duplicate_object OR unique_violation THEN
  NULL;
END $$;
--> statement-breakpoint
DO $$
BEGIN
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'floor_auditor') THEN
    CREATE ROLE floor_auditor NOLOGIN;
  END IF;
EXCEPTION WHEN duplicate_object OR unique_violation THEN
  NULL;
END $$;
--> statement-breakpoint
GRANT USAGE ON SCHEMA public TO floor_app, floor_auditor;
--> statement-breakpoint
GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO floor_app;
--> statement-breakpoint
GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO floor_app;
--> statement-breakpoint
-- Append-only facts. Their triggers refuse edits too; the privileges make the refusal independent of triggers.
REVOKE UPDATE, DELETE, TRUNCATE ON audit_log, ledger_entries FROM floor_app;
--> statement-breakpoint
-- Only the audit_log_chain trigger (SECURITY DEFINER) moves the chain head.
REVOKE ALL ON audit_chain_head FROM floor_app;
--> statement-breakpoint
GRANT SELECT ON ALL TABLES IN SCHEMA public TO floor_auditor;
--> statement-breakpoint
-- Tables and views that later migrations create (as the owner running them) get the same grants. A future
-- append-only table must revoke UPDATE and DELETE from floor_app in its own migration.
ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO floor_app;
--> statement-breakpoint
ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT USAGE, SELECT ON SEQUENCES TO floor_app;
--> statement-breakpoint
ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT SELECT ON TABLES TO floor_auditor;
