-- pg-split-owner.sql: run sanlian on PostgreSQL with two roles, so that the
-- app's role cannot rewrite the audit log.
--
--   sanlian_owner  owns the schema and every object in it; runs the
--                  migrations (sanlian migrate --db postgres://sanlian_owner@…).
--   sanlian_app    what `sanlian serve` connects as: reads and writes the
--                  tables, but on audit_log and audit_chain only INSERT and
--                  SELECT. Not the owner, not a member of it, not a
--                  superuser: it cannot ALTER TABLE … DISABLE TRIGGER, DROP
--                  TRIGGER, TRUNCATE, or SET session_replication_role.
--
-- Run it as a superuser, in the sanlian database, before the first
-- migration and again after every `sanlian migrate` (it is idempotent):
--
--   psql -d sanlian -v ON_ERROR_STOP=1 -f scripts/pg-split-owner.sql
--   sanlian migrate --db 'postgres://sanlian_owner@db/sanlian?search_path=sanlian'
--   psql -d sanlian -v ON_ERROR_STOP=1 -f scripts/pg-split-owner.sql
--   sanlian serve   --db 'postgres://sanlian_app@db/sanlian?search_path=sanlian'
--
-- Set the passwords yourself (psql: \password sanlian_owner, \password
-- sanlian_app). The names sanlian_owner, sanlian_app and the schema sanlian
-- are plain words here: to use others, replace them throughout
-- (sed 's/\bsanlian_app\b/…/g' …). An existing install whose tables belong
-- to another role (the app's, or postgres) is handed to sanlian_owner below.

DO $$
BEGIN
	IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'sanlian_owner') THEN
		CREATE ROLE sanlian_owner LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS;
	END IF;
	IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'sanlian_app') THEN
		CREATE ROLE sanlian_app LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS NOINHERIT;
	END IF;
	IF pg_has_role('sanlian_app', 'sanlian_owner', 'MEMBER') THEN
		RAISE EXCEPTION 'sanlian_app must not be a member of sanlian_owner';
	END IF;
END $$;

CREATE SCHEMA IF NOT EXISTS sanlian AUTHORIZATION sanlian_owner;
ALTER SCHEMA sanlian OWNER TO sanlian_owner;
REVOKE ALL ON SCHEMA sanlian FROM PUBLIC;
GRANT USAGE ON SCHEMA sanlian TO sanlian_app;
ALTER ROLE sanlian_owner SET search_path = sanlian;
ALTER ROLE sanlian_app SET search_path = sanlian;

-- Every object of the schema belongs to the owner (tables take their
-- identity sequences and indexes with them).
DO $$
DECLARE
	r record;
BEGIN
	FOR r IN
		SELECT c.relname, c.relkind FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
		WHERE n.nspname = 'sanlian' AND c.relkind IN ('r', 'p', 'v', 'm', 'S', 'f')
			AND pg_get_userbyid(c.relowner) <> 'sanlian_owner'
			AND NOT (c.relkind = 'S' AND EXISTS (SELECT FROM pg_depend d WHERE d.objid = c.oid AND d.deptype IN ('a', 'i')))
	LOOP
		EXECUTE format('ALTER %s sanlian.%I OWNER TO sanlian_owner',
			CASE r.relkind WHEN 'S' THEN 'SEQUENCE' WHEN 'v' THEN 'VIEW' WHEN 'm' THEN 'MATERIALIZED VIEW'
				WHEN 'f' THEN 'FOREIGN TABLE' ELSE 'TABLE' END, r.relname);
	END LOOP;
	FOR r IN
		SELECT p.oid::regprocedure AS fn FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
		WHERE n.nspname = 'sanlian' AND pg_get_userbyid(p.proowner) <> 'sanlian_owner'
	LOOP
		EXECUTE format('ALTER ROUTINE %s OWNER TO sanlian_owner', r.fn);
	END LOOP;
END $$;

-- What the app may do: everything the product does on its tables, on
-- those that exist and those later migrations create. It runs no DDL:
-- `serve` migrates only when the schema is behind, and says to migrate as
-- the owner when it is.
GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA sanlian TO sanlian_app;
GRANT USAGE, SELECT, UPDATE ON ALL SEQUENCES IN SCHEMA sanlian TO sanlian_app;
ALTER DEFAULT PRIVILEGES FOR ROLE sanlian_owner IN SCHEMA sanlian
	GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO sanlian_app;
ALTER DEFAULT PRIVILEGES FOR ROLE sanlian_owner IN SCHEMA sanlian
	GRANT USAGE, SELECT, UPDATE ON SEQUENCES TO sanlian_app;
REVOKE TRUNCATE, REFERENCES, TRIGGER ON ALL TABLES IN SCHEMA sanlian FROM sanlian_app;

-- The audit log and its chain: append and read, nothing else.
DO $$
DECLARE
	t text;
BEGIN
	FOREACH t IN ARRAY ARRAY['audit_log', 'audit_chain'] LOOP
		IF to_regclass(format('sanlian.%I', t)) IS NOT NULL THEN
			EXECUTE format('REVOKE ALL ON sanlian.%I FROM sanlian_app, PUBLIC', t);
			EXECUTE format('GRANT SELECT, INSERT ON sanlian.%I TO sanlian_app', t);
		END IF;
	END LOOP;
END $$;
