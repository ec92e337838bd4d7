-- The role the application runs as (`SET ROLE registry_app`, or a login role made a member of it):
-- INSERT and SELECT only on the log and the checkpoints, so even a compromised application cannot
-- rewrite history. Read tables created by later migrations get full DML by default privileges.
-- Created only when the migrating role may create roles; roles are cluster-wide, so a second
-- database in the same cluster reuses it.
DO $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = current_user AND (rolsuper OR rolcreaterole)) THEN
        RAISE NOTICE 'registry_app not created: % may not create roles', current_user;
        RETURN;
    END IF;

    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'registry_app') THEN
        BEGIN
            CREATE ROLE registry_app NOLOGIN;
        EXCEPTION WHEN duplicate_object OR unique_violation THEN
            NULL; -- created meanwhile by a migration of another database
        END;
    END IF;

    GRANT USAGE ON SCHEMA registry TO registry_app;
    GRANT SELECT, INSERT ON registry.events, registry.checkpoints TO registry_app;
    GRANT SELECT, UPDATE ON registry.log_head TO registry_app;
    GRANT SELECT ON registry.schema_migrations TO registry_app;
    ALTER DEFAULT PRIVILEGES IN SCHEMA registry GRANT SELECT, INSERT, UPDATE, DELETE, TRUNCATE ON TABLES TO registry_app;
    ALTER DEFAULT PRIVILEGES IN SCHEMA registry GRANT USAGE, SELECT ON SEQUENCES TO registry_app;
END
$$;
